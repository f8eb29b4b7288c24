//! The API error: every way an RPC can fail, mapped exhaustively to a gRPC
//! status with `google.rpc` details (SPEC §7). Handlers return
//! `Result<_, ApiError>`; nothing else builds a `tonic::Status`.
//!
//! Every status carries a `google.rpc.ErrorInfo` whose `reason` is the name
//! of a `csp.v1.ErrorReason` value (`proto/csp/v1/error_reason.proto`, which
//! documents the code each comes with), so a client can branch on it.

use std::collections::HashMap;

use prost::Message;
use tonic::{Code, Status};
use tonic_types::pb as rpc;

use super::pb::{self, ErrorReason};
use crate::domain::roles::Permission;
use crate::domain::text::Text;
use crate::storage::StorageError;

/// `ErrorInfo.domain` of every error this service sends.
pub const ERROR_DOMAIN: &str = "csp-upgrades.v1";

/// One violated precondition: `kind` is the reason's name (e.g.
/// `UPGRADE_IN_PROGRESS`), `subject` the id or field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: String,
    pub subject: String,
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `INVALID_ARGUMENT`, with a `BadRequest` naming the field and an
    /// `ErrorInfo` (`INVALID_FIELD` unless a more precise reason applies).
    #[error("invalid {field}: {description}")]
    InvalidArgument {
        reason: ErrorReason,
        field: &'static str,
        description: String,
        /// Extra `ErrorInfo` metadata, e.g. the allowed quantity range.
        metadata: Vec<(String, String)>,
    },
    /// `INVALID_ARGUMENT` (`MALFORMED_REQUEST`): the request is not a
    /// well-formed message of the method's type (or not a well-formed gRPC
    /// frame): the client's mistake, never `INTERNAL`. A `BadRequest` names
    /// the field path when the decoder knows it.
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
    /// `NOT_FOUND` (`RESOURCE_NOT_FOUND`, with a `ResourceInfo`); also what
    /// another partner's data answers.
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// `FAILED_PRECONDITION`: the state forbids the action. `reason` goes in
    /// `ErrorInfo`, each violation in `PreconditionFailure`, and eligibility
    /// reasons, typed, in a `csp.v1.UpgradeRefusal` detail.
    #[error("{message}")]
    FailedPrecondition {
        reason: ErrorReason,
        message: String,
        violations: Vec<Violation>,
        /// Extra `ErrorInfo` metadata, e.g. the allowed quantity range.
        metadata: Vec<(String, String)>,
        /// Every eligibility reason of a refused upgrade; empty otherwise.
        reasons: Vec<pb::Reason>,
    },
    /// `ALREADY_EXISTS`, with an `ErrorInfo` reason (an idempotency key used
    /// for another request).
    #[error("{message}")]
    AlreadyExists {
        reason: ErrorReason,
        message: String,
    },
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
    /// `UNAVAILABLE` with a `RetryInfo` of zero, like `ShuttingDown`, for a
    /// stream that can resume: `ErrorInfo.metadata["after_cursor"]` is the
    /// cursor of the last message sent (empty: none was sent; call again as
    /// before).
    #[error(
        "the server is shutting down: call {method} again with after_cursor \"{after_cursor}\" \
         to resume after the last message sent (another replica answers)"
    )]
    StreamInterrupted {
        method: &'static str,
        after_cursor: String,
    },
    /// `INTERNAL`: logged in full, answered with a generic message.
    #[error("internal error: {0}")]
    Internal(String),
    /// `DEADLINE_EXCEEDED`: the call did not answer within the server's
    /// request timeout.
    #[error("the call took longer than the server's request timeout of {0:?}")]
    DeadlineExceeded(std::time::Duration),
    /// The inner error, with what the caller reads in its own language (the
    /// `LocalizedMessage` detail); the status is the inner error's.
    #[error("{error}")]
    Localized { error: Box<ApiError>, text: Text },
}

impl ApiError {
    /// A `FAILED_PRECONDITION` of one `reason` about `subject`, its message
    /// also the violation's description.
    pub(super) fn precondition(
        reason: ErrorReason,
        subject: String,
        message: String,
        metadata: Vec<(String, String)>,
    ) -> Self {
        Self::FailedPrecondition {
            violations: vec![Violation {
                kind: reason.as_str_name().to_owned(),
                subject,
                description: message.clone(),
            }],
            message,
            metadata,
            reasons: Vec::new(),
            reason,
        }
    }

    pub fn invalid(field: &'static str, description: impl Into<String>) -> Self {
        Self::invalid_because(ErrorReason::InvalidField, field, description)
    }

    /// `INVALID_ARGUMENT` with a reason more precise than `INVALID_FIELD`.
    pub fn invalid_because(
        reason: ErrorReason,
        field: &'static str,
        description: impl Into<String>,
    ) -> Self {
        ApiError::InvalidArgument {
            reason,
            field,
            description: description.into(),
            metadata: Vec::new(),
        }
    }

    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        ApiError::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    /// This error, said to the caller with `text` (in its language).
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

fn bad_request(field: String, description: String) -> prost_types::Any {
    let bad_request = rpc::BadRequest {
        field_violations: vec![rpc::bad_request::FieldViolation {
            field,
            description: capped(description),
            ..Default::default()
        }],
    };
    any("google.rpc.BadRequest", &bad_request)
}

/// A `google.protobuf.Any` holding `message` under `type_name`.
fn any(type_name: &str, message: &impl Message) -> prost_types::Any {
    prost_types::Any {
        type_url: format!("type.googleapis.com/{type_name}"),
        value: message.encode_to_vec(),
    }
}

fn error_info(reason: ErrorReason, metadata: Vec<(String, String)>) -> prost_types::Any {
    let info = rpc::ErrorInfo {
        reason: reason.as_str_name().to_owned(),
        domain: ERROR_DOMAIN.to_owned(),
        metadata: metadata.into_iter().collect::<HashMap<_, _>>(),
    };
    any("google.rpc.ErrorInfo", &info)
}

/// A status whose `grpc-status-details-bin` is a `google.rpc.Status` with
/// `details`, ErrorInfo first.
fn rich(code: Code, message: String, details: Vec<prost_types::Any>) -> Status {
    let body = rpc::Status {
        code: code as i32,
        message: message.clone(),
        details,
    };
    Status::with_details(code, message, body.encode_to_vec().into())
}

/// Every error carries, besides its details, a `LocalizedMessage` in the
/// caller's language (SPEC §12); `grpc-message` stays English, for logs.
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
            ApiError::InvalidArgument {
                reason,
                field,
                description,
                metadata,
            } => rich(
                Code::InvalidArgument,
                message,
                vec![
                    error_info(reason, metadata),
                    bad_request(field.to_owned(), description),
                ],
            ),
            ApiError::Malformed { field, description } => {
                let mut details = vec![error_info(ErrorReason::MalformedRequest, Vec::new())];
                if let Some(field) = field {
                    details.push(bad_request(field, description));
                }
                rich(Code::InvalidArgument, message, details)
            }
            ApiError::Unauthenticated(_) => rich(
                Code::Unauthenticated,
                message,
                vec![error_info(ErrorReason::Unauthenticated, Vec::new())],
            ),
            ApiError::PermissionDenied(permission) => rich(
                Code::PermissionDenied,
                message,
                vec![error_info(
                    ErrorReason::PermissionMissing,
                    vec![(
                        "permission".to_owned(),
                        format!("PERMISSION_{}", permission.as_str()),
                    )],
                )],
            ),
            ApiError::NotFound { kind, id } => {
                let resource = rpc::ResourceInfo {
                    resource_type: kind.to_owned(),
                    resource_name: capped(id),
                    owner: String::new(),
                    description: "not found".to_owned(),
                };
                rich(
                    Code::NotFound,
                    message,
                    vec![
                        error_info(ErrorReason::ResourceNotFound, Vec::new()),
                        any("google.rpc.ResourceInfo", &resource),
                    ],
                )
            }
            ApiError::FailedPrecondition {
                reason,
                violations,
                metadata,
                reasons,
                ..
            } => {
                let failure = rpc::PreconditionFailure {
                    violations: violations
                        .into_iter()
                        .map(|v| rpc::precondition_failure::Violation {
                            r#type: v.kind,
                            subject: v.subject,
                            description: v.description,
                        })
                        .collect(),
                };
                let mut details = vec![
                    error_info(reason, metadata),
                    any("google.rpc.PreconditionFailure", &failure),
                ];
                if !reasons.is_empty() {
                    details.push(any(
                        "csp.v1.UpgradeRefusal",
                        &pb::UpgradeRefusal { reasons },
                    ));
                }
                rich(Code::FailedPrecondition, message, details)
            }
            ApiError::AlreadyExists { reason, .. } => rich(
                Code::AlreadyExists,
                message,
                vec![error_info(reason, Vec::new())],
            ),
            ApiError::Unavailable(_) => rich(
                Code::Unavailable,
                message,
                vec![error_info(ErrorReason::ServiceUnavailable, Vec::new())],
            ),
            ApiError::ShuttingDown { .. } => {
                let retry = rpc::RetryInfo {
                    retry_delay: Some(prost_types::Duration::default()),
                };
                rich(
                    Code::Unavailable,
                    message,
                    vec![
                        error_info(ErrorReason::ShuttingDown, Vec::new()),
                        any("google.rpc.RetryInfo", &retry),
                    ],
                )
            }
            ApiError::StreamInterrupted { after_cursor, .. } => {
                let retry = rpc::RetryInfo {
                    retry_delay: Some(prost_types::Duration::default()),
                };
                rich(
                    Code::Unavailable,
                    message,
                    vec![
                        error_info(
                            ErrorReason::ShuttingDown,
                            vec![("after_cursor".to_owned(), after_cursor)],
                        ),
                        any("google.rpc.RetryInfo", &retry),
                    ],
                )
            }
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                rich(
                    Code::Internal,
                    "internal error; it has been logged".to_owned(),
                    vec![error_info(ErrorReason::InternalError, Vec::new())],
                )
            }
            ApiError::DeadlineExceeded(_) => rich(
                Code::DeadlineExceeded,
                message,
                vec![error_info(ErrorReason::RequestTimeout, Vec::new())],
            ),
            ApiError::Localized { error, .. } => status(*error),
        }
    }
}
