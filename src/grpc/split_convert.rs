//! The errors of partial upgrades and upgrades into an existing
//! subscription (SPEC §8): a receiver that is not the customer's is
//! `NOT_FOUND`; one that cannot take the seats, users not on the source and a
//! source left short of seats are `FAILED_PRECONDITION`; naming more users
//! than seats is `INVALID_ARGUMENT`.

use super::error::{ApiError, Violation};
use crate::domain::eligibility::ReceiverProblem;
use crate::domain::orders::Refusal;
use crate::domain::text::Text;

/// The `ErrorInfo` reason of a refusal of SPEC §8; `None` for the others.
pub(super) fn code(r: &Refusal) -> Option<&'static str> {
    Some(match r {
        Refusal::TargetSubscriptionNotFound(_) => "RESOURCE_NOT_FOUND",
        Refusal::ReceiverUnsuitable { problem, .. } => receiver_code(*problem),
        Refusal::TooManyUsers { .. } => "USERS_EXCEED_QUANTITY",
        Refusal::UsersNotOnSource(_) => "USERS_NOT_ON_SOURCE",
        Refusal::SourceSeatsShort { .. } => "SOURCE_SEATS_SHORT",
        _ => return None,
    })
}

fn receiver_code(problem: ReceiverProblem) -> &'static str {
    match problem {
        ReceiverProblem::NotActive => "TARGET_SUBSCRIPTION_NOT_ACTIVE",
        ReceiverProblem::OtherOffer => "TARGET_SUBSCRIPTION_OFFER_MISMATCH",
        ReceiverProblem::OtherChannel => "TARGET_SUBSCRIPTION_OTHER_CHANNEL",
        ReceiverProblem::CycleMismatch => "TARGET_SUBSCRIPTION_CYCLE_MISMATCH",
    }
}

/// What the refusal says to the partner, in their language.
pub(super) fn text(r: &Refusal) -> Option<Text> {
    Some(match r {
        Refusal::TargetSubscriptionNotFound(id) => Text::new("error-not-found")
            .arg("kind", Text::new("resource-subscription"))
            .arg("id", id.to_string()),
        Refusal::ReceiverUnsuitable { id, problem } => Text::new(match problem {
            ReceiverProblem::NotActive => "refusal-receiver-not-active",
            ReceiverProblem::OtherOffer => "refusal-receiver-offer-mismatch",
            ReceiverProblem::OtherChannel => "refusal-receiver-other-channel",
            ReceiverProblem::CycleMismatch => "refusal-receiver-cycle-mismatch",
        })
        .arg("subscription", id.to_string()),
        Refusal::TooManyUsers { named, quantity } => Text::new("refusal-users-exceed-quantity")
            .arg("named", *named)
            .arg("quantity", *quantity),
        Refusal::UsersNotOnSource(users) => Text::new("refusal-users-not-on-source")
            .arg("count", users.len())
            .arg(
                "users",
                users.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            ),
        Refusal::SourceSeatsShort {
            remaining_seats,
            remaining_users,
        } => Text::new("refusal-source-seats-short")
            .arg("seats", *remaining_seats)
            .arg("users", *remaining_users),
        _ => return None,
    })
}

/// The error of a refusal of SPEC §8, in English; `None` for the others.
pub(super) fn error(r: &Refusal) -> Option<ApiError> {
    let reason = code(r)?.to_owned();
    let precondition =
        |subject: String, description: String, metadata| ApiError::FailedPrecondition {
            message: description.clone(),
            violations: vec![Violation {
                kind: reason.clone(),
                subject,
                description,
            }],
            metadata,
            reason: reason.clone(),
        };
    Some(match r {
        Refusal::TargetSubscriptionNotFound(id) => ApiError::not_found("subscription", id),
        Refusal::ReceiverUnsuitable { id, problem } => precondition(
            format!("subscriptions/{id}"),
            format!(
                "subscription {id} cannot receive the seats: {}",
                match problem {
                    ReceiverProblem::NotActive => "it is not active",
                    ReceiverProblem::OtherOffer => "it is not of the target offer",
                    ReceiverProblem::OtherChannel => "it was not bought through this partner",
                    ReceiverProblem::CycleMismatch =>
                        "its billing cycle is not one the source can move to",
                }
            ),
            vec![("problem".into(), problem.as_str().to_owned())],
        ),
        Refusal::TooManyUsers { named, quantity } => ApiError::invalid(
            "user_ids",
            format!("names {named} users, more than the {quantity} seats that move"),
        ),
        Refusal::UsersNotOnSource(users) => precondition(
            "user_ids".into(),
            format!(
                "{} named user(s) hold no license of the source subscription: {}",
                users.len(),
                users
                    .iter()
                    .take(20)
                    .map(|u| u.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            vec![("user_count".into(), users.len().to_string())],
        ),
        Refusal::SourceSeatsShort {
            remaining_seats,
            remaining_users,
        } => precondition(
            "quantity".into(),
            format!(
                "the source would keep {remaining_seats} seat(s) for {remaining_users} user(s) who stay on it: move fewer seats or more users"
            ),
            vec![
                ("remaining_seats".into(), remaining_seats.to_string()),
                ("remaining_users".into(), remaining_users.to_string()),
            ],
        ),
        _ => return None,
    })
}
