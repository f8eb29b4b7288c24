//! The errors of partial upgrades and upgrades into an existing
//! subscription (SPEC §8): a receiver that is not the customer's is
//! `NOT_FOUND`; one that cannot take the seats, users not on the source and a
//! source left short of seats are `FAILED_PRECONDITION`; naming more users
//! than seats is `INVALID_ARGUMENT`.

use super::error::ApiError;
use super::pb::ErrorReason;
use crate::domain::eligibility::ReceiverProblem;
use crate::domain::ids::{CustomerUserId, SubscriptionId};
use crate::domain::text::Text;

/// The `ErrorInfo` reason of a receiver that cannot take the seats.
pub(super) fn receiver_reason(problem: ReceiverProblem) -> ErrorReason {
    match problem {
        ReceiverProblem::NotActive => ErrorReason::TargetSubscriptionNotActive,
        ReceiverProblem::OtherOffer => ErrorReason::TargetSubscriptionOfferMismatch,
        ReceiverProblem::OtherChannel => ErrorReason::TargetSubscriptionOtherChannel,
        ReceiverProblem::CycleMismatch => ErrorReason::TargetSubscriptionCycleMismatch,
    }
}

pub(super) fn receiver_text(id: SubscriptionId, problem: ReceiverProblem) -> Text {
    Text::new(match problem {
        ReceiverProblem::NotActive => "refusal-receiver-not-active",
        ReceiverProblem::OtherOffer => "refusal-receiver-offer-mismatch",
        ReceiverProblem::OtherChannel => "refusal-receiver-other-channel",
        ReceiverProblem::CycleMismatch => "refusal-receiver-cycle-mismatch",
    })
    .arg("subscription", id.to_string())
}

pub(super) fn receiver_unsuitable(id: SubscriptionId, problem: ReceiverProblem) -> ApiError {
    let why = match problem {
        ReceiverProblem::NotActive => "it is not active",
        ReceiverProblem::OtherOffer => "it is not a subscription of the target offer",
        ReceiverProblem::OtherChannel => "it was not bought through this partner",
        ReceiverProblem::CycleMismatch => "its billing cycle is not one the source can move to",
    };
    ApiError::precondition(
        receiver_reason(problem),
        id.to_string(),
        format!("subscription {id} cannot receive the seats: {why}"),
        vec![("problem".into(), problem.as_str().to_owned())],
    )
}

pub(super) fn too_many_users(named: i64, quantity: i64) -> ApiError {
    ApiError::invalid_because(
        ErrorReason::UsersExceedQuantity,
        "user_ids",
        format!("names {named} users, more than the {quantity} seats that move"),
    )
}

pub(super) fn too_many_users_text(named: i64, quantity: i64) -> Text {
    Text::new("refusal-users-exceed-quantity")
        .arg("named", named)
        .arg("quantity", quantity)
}

/// Bounded like every answer: at most 20 ids quoted, the count always.
fn quoted(users: &[CustomerUserId]) -> Vec<String> {
    users.iter().take(20).map(|u| u.to_string()).collect()
}

pub(super) fn users_not_on_source_text(users: &[CustomerUserId]) -> Text {
    Text::new("refusal-users-not-on-source")
        .arg("count", users.len())
        .arg("users", quoted(users))
}

pub(super) fn users_not_on_source(users: &[CustomerUserId]) -> ApiError {
    ApiError::precondition(
        ErrorReason::UsersNotOnSource,
        "user_ids".into(),
        format!(
            "{} named user(s) hold no license of the source subscription: {}",
            users.len(),
            quoted(users).join(", ")
        ),
        vec![("user_count".into(), users.len().to_string())],
    )
}

pub(super) fn source_seats_short(remaining_seats: i64, remaining_users: i64) -> ApiError {
    ApiError::precondition(
        ErrorReason::SourceSeatsShort,
        "quantity".into(),
        format!(
            "the source would keep {remaining_seats} seat(s) for the {remaining_users} user(s) who stay on it: move fewer seats or more users"
        ),
        vec![
            ("remaining_seats".into(), remaining_seats.to_string()),
            ("remaining_users".into(), remaining_users.to_string()),
        ],
    )
}

pub(super) fn source_seats_short_text(remaining_seats: i64, remaining_users: i64) -> Text {
    Text::new("refusal-source-seats-short")
        .arg("seats", remaining_seats)
        .arg("users", remaining_users)
}
