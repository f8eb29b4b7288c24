//! The errors of upgrades scheduled for the renewal (SPEC §9), all
//! `FAILED_PRECONDITION`: a second scheduled order of a source, a renewal
//! that is not ahead, and cancelling an order that no longer waits.

use chrono::{DateTime, SecondsFormat, Utc};

use super::error::ApiError;
use super::pb::ErrorReason;
use crate::domain::ids::OrderId;
use crate::domain::model::OrderState;
use crate::domain::text::Text;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn already_scheduled(order: OrderId) -> ApiError {
    ApiError::precondition(
        ErrorReason::UpgradeAlreadyScheduled,
        "subscription_id".into(),
        format!(
            "an upgrade of this subscription is already scheduled for its renewal (order {order}); cancel it first"
        ),
        vec![("order_id".into(), order.to_string())],
    )
}

pub(super) fn already_scheduled_text(order: OrderId) -> Text {
    Text::new("refusal-upgrade-already-scheduled").arg("order", order.to_string())
}

pub(super) fn renewal_not_ahead(end: DateTime<Utc>) -> ApiError {
    ApiError::precondition(
        ErrorReason::RenewalNotAhead,
        "schedule".into(),
        format!(
            "the subscription's billing period ended at {}: there is no renewal to wait for, upgrade now instead",
            time(end)
        ),
        vec![("period_end_time".into(), time(end))],
    )
}

pub(super) fn renewal_not_ahead_text(end: DateTime<Utc>) -> Text {
    Text::new("refusal-renewal-not-ahead").arg("end", time(end))
}

pub(super) fn not_cancellable(state: OrderState) -> ApiError {
    ApiError::precondition(
        ErrorReason::OrderNotCancellable,
        "order_id".into(),
        format!("the order is {state}: only an order scheduled for the renewal can be cancelled"),
        vec![("state".into(), state.as_str().to_owned())],
    )
}

pub(super) fn not_cancellable_text(state: OrderState) -> Text {
    Text::new("refusal-order-not-cancellable")
        .arg("state", Text::named("order-state", state.as_str()))
}
