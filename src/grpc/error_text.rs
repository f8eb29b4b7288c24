//! What an [`ApiError`] says to a person, in the caller's language: the
//! `google.rpc.LocalizedMessage` every error carries (SPEC §7, §12). The
//! status message itself stays English, for logs.

use prost::Message;
use tonic::Status;

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
        ApiError::StreamInterrupted { after_cursor, .. } => {
            Text::new("error-shutting-down-resume").arg("cursor", after_cursor.as_str())
        }
        ApiError::Internal(_) => Text::new("error-internal"),
        ApiError::DeadlineExceeded(_) => Text::new("error-deadline-exceeded"),
        ApiError::Localized { text, .. } => text.clone(),
    }
}

/// `status` with a `LocalizedMessage` added to its details. The details are
/// kept as they are (`csp.v1.UpgradeRefusal` too, which a re-encoding through
/// tonic-types' known details would drop).
pub fn with_localized_message(status: Status, lang: Lang, message: String) -> Status {
    use tonic_types::pb;
    let mut body = match pb::Status::decode(status.details()) {
        Ok(body) if !status.details().is_empty() => body,
        _ => pb::Status {
            code: status.code() as i32,
            message: status.message().to_owned(),
            details: Vec::new(),
        },
    };
    let localized = pb::LocalizedMessage {
        locale: lang.tag().to_owned(),
        message,
    };
    body.details.push(prost_types::Any {
        type_url: "type.googleapis.com/google.rpc.LocalizedMessage".to_owned(),
        value: localized.encode_to_vec(),
    });
    Status::with_details(
        status.code(),
        status.message().to_owned(),
        body.encode_to_vec().into(),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::eligibility::{Reason, ReasonCode};
    use crate::domain::ids::SubscriptionId;
    use crate::domain::model::{BillingCycle, OrderState, UpgradeType};
    use crate::domain::orders::Refusal;
    use crate::domain::roles::Permission;

    /// One error of every kind, and every refusal of an order: each says
    /// something in every language, without a missing message or argument.
    #[test]
    fn every_error_has_its_sentence_in_every_language() {
        let errors = [
            ApiError::invalid("quantity", "must be at least 1"),
            ApiError::Malformed {
                field: None,
                description: "truncated".into(),
            },
            ApiError::Unauthenticated("no token".into()),
            ApiError::PermissionDenied(Permission::ManageRoles),
            ApiError::not_found("partner user", "u-1"),
            ApiError::FailedPrecondition {
                reason: crate::grpc::pb::ErrorReason::LastGlobalAdmin,
                message: "x".into(),
                violations: Vec::new(),
                metadata: Vec::new(),
                reasons: Vec::new(),
            },
            ApiError::AlreadyExists {
                reason: crate::grpc::pb::ErrorReason::RequestIdReused,
                message: "x".into(),
            },
            ApiError::Unavailable("down".into()),
            ApiError::ShuttingDown { method: "m".into() },
            ApiError::StreamInterrupted {
                method: "m",
                after_cursor: "c.s".into(),
            },
            ApiError::Internal("bug".into()),
            ApiError::DeadlineExceeded(Duration::from_secs(30)),
        ];
        let mut texts: Vec<Text> = errors.iter().map(error_text).collect();
        let reason = Reason {
            code: ReasonCode::UnpaidBalance,
            message: Text::new("reason-unpaid-balance"),
            details: Default::default(),
            subscriptions: Vec::new(),
            remedy: crate::domain::eligibility::Remedy::PayBalance,
        };
        let refusals = [
            Refusal::SubscriptionNotFound(SubscriptionId::new_v7()),
            Refusal::UnknownTargetOffer,
            Refusal::Ineligible(vec![reason.clone(), reason]),
            Refusal::QuantityBelowMinimum { min: 10, max: 300 },
            Refusal::QuantityAboveMaximum { min: 10, max: 300 },
            Refusal::UpgradeTypeNotAllowed {
                asked: UpgradeType::WithLicenseTransfer,
                allowed: vec![UpgradeType::UpgradeOnly],
                user_context: true,
            },
            Refusal::UpgradeTypeNotAllowed {
                asked: UpgradeType::WithLicenseTransfer,
                allowed: vec![UpgradeType::UpgradeOnly],
                user_context: false,
            },
            Refusal::BillingCycleUnsupported(BillingCycle::Monthly),
            Refusal::NotPendingCreditCheck(OrderState::Completed),
        ];
        texts.extend(
            refusals
                .iter()
                .map(super::super::order_convert::refusal_text),
        );
        let validate = [
            super::super::validate::customer_id("").map(|_| ()),
            super::super::validate::customer_id("x").map(|_| ()),
            super::super::validate::offer_id("target_offer_id", "Not An Offer").map(|_| ()),
            super::super::validate::quantity(0).map(|_| ()),
            super::super::validate::quantity(i64::MAX).map(|_| ()),
        ];
        texts.extend(validate.iter().map(|r| error_text(r.as_ref().unwrap_err())));
        for lang in Lang::ALL {
            for t in &texts {
                let said = lang.try_render(t).unwrap_or_else(|e| panic!("{e}"));
                assert!(said.ends_with('.'), "{said}");
            }
        }
        let nl = Lang::Nl.render(&error_text(&ApiError::not_found("partner user", "u-1")));
        assert_eq!(nl, "De partnergebruiker u-1 bestaat niet.");
    }
}
