//! The API error: every way an RPC can fail, mapped exhaustively to a gRPC
//! status with `google.rpc` details (SPEC §7). Handlers return
//! `Result<_, ApiError>`; nothing else builds a `tonic::Status`.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::domain::roles::Permission;
use crate::domain::text::Text;
use crate::storage::StorageError;

/// `ErrorInfo.domain` of every error this service sends.
pub const ERROR_DOMAIN: &str = "csp-upgrades.v1";

/// One violated precondition: `kind` is the reason code (e.g.
/// `UPGRADE_IN_PROGRESS`), `subject` what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: String,
    pub subject: String,
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `INVALID_ARGUMENT`, with a `BadRequest` naming the field.
    #[error("invalid {field}: {description}")]
    InvalidArgument {
        field: &'static str,
        description: String,
    },
    /// `INVALID_ARGUMENT`: the request is not a well-formed message of the
    /// method's type (or not a well-formed gRPC frame): the client's mistake,
    /// never `INTERNAL`. A `BadRequest` names the field path when the decoder
    /// knows it.
    #[error("the request is not a valid protobuf message of this method: {description}")]
    Malformed {
        field: Option<String>,
        description: String,
    },
    /// `UNAUTHENTICATED`: no valid credential. The message says what is wrong
    /// with the token, never anything about the partner's data.
    #[error("{0}")]
    Unauthenticated(String),
    /// `PERMISSION_DENIED`, with an `ErrorInfo` naming the missing permission.
    #[error("the caller's roles do not grant {0}")]
    PermissionDenied(Permission),
    /// `NOT_FOUND`; also what another partner's data answers.
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// `FAILED_PRECONDITION`: the state forbids the action. `reason` goes in
    /// `ErrorInfo`, each violation in `PreconditionFailure`.
    #[error("{message}")]
    FailedPrecondition {
        reason: String,
        message: String,
        violations: Vec<Violation>,
        /// Extra `ErrorInfo` metadata, e.g. the allowed quantity range.
        metadata: Vec<(String, String)>,
    },
    /// `ALREADY_EXISTS`, with an `ErrorInfo` reason (an idempotency key used
    /// for another request).
    #[error("{message}")]
    AlreadyExists { reason: String, message: String },
    /// `UNAVAILABLE`: the database cannot be reached, or start-up is not done.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// `UNAVAILABLE` with a `RetryInfo` of zero: the server is shutting down
    /// and ended this stream; calling `method` again reaches another replica.
    #[error(
        "the server is shutting down: call {method} again to resume (another replica answers; \
         a watch starts again from the order's latest event)"
    )]
    ShuttingDown { method: String },
    /// `INTERNAL`: logged in full, answered with a generic message.
    #[error("internal error: {0}")]
    Internal(String),
    /// `DEADLINE_EXCEEDED`: the call did not answer within the server's
    /// request timeout.
    #[error("the call took longer than the server's request timeout of {0:?}")]
    DeadlineExceeded(std::time::Duration),
    /// Any of the above, with the sentence its `LocalizedMessage` says in
    /// the caller's language when the variant's default is too vague
    /// (SPEC §12; see `error_text`).
    #[error("{error}")]
    Localized { error: Box<ApiError>, text: Text },
}

impl ApiError {
    pub fn invalid(field: &'static str, description: impl Into<String>) -> Self {
        ApiError::InvalidArgument {
            field,
            description: description.into(),
        }
    }

    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        ApiError::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    /// This error, with `text` as its localized message.
    pub fn with_text(self, text: Text) -> Self {
        ApiError::Localized {
            error: Box::new(self),
            text,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Unavailable(_) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable("the database cannot be reached; retry later".into())
            }
            StorageError::NotOpen => ApiError::Unavailable(e.to_string()),
            StorageError::BadPageToken => ApiError::invalid(
                "page_token",
                "not a page token issued by this service for this list",
            ),
            StorageError::Conflict(_)
            | StorageError::Database(_)
            | StorageError::Corrupt(_)
            | StorageError::Migrate(_) => ApiError::Internal(format!("{e:?}")),
        }
    }
}

/// Longest text an error carries in `grpc-message` or one detail field.
/// Handlers quote client input short already (`validate::quote`); this is the
/// backstop that keeps trailers far below clients' 16 KB header limit.
const MAX_ERROR_TEXT: usize = 1024;

fn capped(mut text: String) -> String {
    if text.len() > MAX_ERROR_TEXT {
        let mut end = MAX_ERROR_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("…[truncated]");
    }
    text
}

/// The status in English (`grpc-message`, for logs) with a
/// `google.rpc.LocalizedMessage` in the caller's language.
impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        let lang = super::lang::current();
        let localized = capped(lang.render(&super::error_text::error_text(&e)));
        super::error_text::with_localized_message(status(e), lang, localized)
    }
}

fn status(e: ApiError) -> Status {
    {
        let message = capped(e.to_string());
        match e {
            ApiError::InvalidArgument { field, description } => Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request_violation(field, capped(description)),
            ),
            ApiError::Malformed {
                field: Some(field),
                description,
            } => Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request_violation(field, capped(description)),
            ),
            ApiError::Malformed { field: None, .. } => Status::new(Code::InvalidArgument, message),
            ApiError::Unauthenticated(_) => Status::with_error_details(
                Code::Unauthenticated,
                message,
                ErrorDetails::with_error_info("UNAUTHENTICATED", ERROR_DOMAIN, HashMap::new()),
            ),
            ApiError::PermissionDenied(permission) => Status::with_error_details(
                Code::PermissionDenied,
                message,
                ErrorDetails::with_error_info(
                    "PERMISSION_MISSING",
                    ERROR_DOMAIN,
                    HashMap::from([("permission".to_owned(), permission.as_str().to_owned())]),
                ),
            ),
            ApiError::NotFound { kind, id } => Status::with_error_details(
                Code::NotFound,
                message,
                ErrorDetails::with_resource_info(kind, capped(id), "", "not found"),
            ),
            ApiError::FailedPrecondition {
                reason,
                violations,
                metadata,
                ..
            } => {
                let mut info: HashMap<String, String> = metadata.into_iter().collect();
                let codes: Vec<&str> = violations.iter().map(|v| v.kind.as_str()).collect();
                info.insert("reasons".to_owned(), codes.join(","));
                let mut details = ErrorDetails::with_error_info(reason, ERROR_DOMAIN, info);
                for v in violations {
                    details.add_precondition_failure_violation(v.kind, v.subject, v.description);
                }
                Status::with_error_details(Code::FailedPrecondition, message, details)
            }
            ApiError::AlreadyExists { reason, .. } => Status::with_error_details(
                Code::AlreadyExists,
                message,
                ErrorDetails::with_error_info(reason, ERROR_DOMAIN, HashMap::new()),
            ),
            ApiError::Unavailable(_) => Status::unavailable(message),
            ApiError::ShuttingDown { .. } => Status::with_error_details(
                Code::Unavailable,
                message,
                ErrorDetails::with_retry_info(Some(std::time::Duration::ZERO)),
            ),
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                Status::internal("internal error; it has been logged")
            }
            ApiError::DeadlineExceeded(_) => Status::deadline_exceeded(message),
            ApiError::Localized { error, .. } => status(*error),
        }
    }
}
