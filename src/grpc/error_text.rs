//! What an [`ApiError`] says to a person, in the caller's language: the
//! `google.rpc.LocalizedMessage` every error carries (SPEC §7, §12). The
//! status message itself stays English, for logs.

use tonic::Status;
use tonic_types::{ErrorDetail, LocalizedMessage, StatusExt};

use super::error::ApiError;
use crate::domain::text::Text;
use crate::i18n::Lang;

/// The message of `e`: the one attached with `ApiError::with_text`, or the
/// variant's own, with the facts the variant holds.
pub fn error_text(e: &ApiError) -> Text {
    match e {
        ApiError::InvalidArgument { field, .. } => {
            Text::new("error-invalid-argument").arg("field", *field)
        }
        ApiError::Malformed { .. } => Text::new("error-malformed"),
        ApiError::Unauthenticated(_) => Text::new("error-unauthenticated"),
        ApiError::PermissionDenied(p) => Text::new("error-permission-denied")
            .arg("permission", Text::named("permission", p.as_str())),
        ApiError::NotFound { kind, id } => Text::new("error-not-found")
            .arg("kind", Text::named("resource", &kind.replace(' ', "-")))
            .arg("id", id),
        ApiError::FailedPrecondition { .. } => Text::new("error-failed-precondition"),
        ApiError::AlreadyExists { .. } => Text::new("error-already-exists"),
        ApiError::Unavailable(_) => Text::new("error-unavailable"),
        ApiError::ShuttingDown { .. } => Text::new("error-shutting-down"),
        ApiError::Internal(_) => Text::new("error-internal"),
        ApiError::DeadlineExceeded(_) => Text::new("error-deadline-exceeded"),
        ApiError::Localized { text, .. } => text.clone(),
    }
}

/// `status` with a `LocalizedMessage` added to its details.
pub fn with_localized_message(status: Status, lang: Lang, message: String) -> Status {
    let mut details = status.get_error_details_vec();
    details.push(ErrorDetail::LocalizedMessage(LocalizedMessage::new(
        lang.tag(),
        message,
    )));
    Status::with_error_details_vec(status.code(), status.message(), details)
}
