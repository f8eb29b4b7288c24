//! Orders between domain and proto, and refusals as gRPC errors.

use super::error::{ApiError, Violation};
use super::pb::ErrorReason;
use super::reason_convert::{self, subscription};
use super::{convert, pb, schedule_convert, split_convert};
use crate::domain::catalog::Catalog;
use crate::domain::model::OrderState;
use crate::domain::orders::credit::Money;
use crate::domain::orders::report::{MigrationIssue, MigrationItem};
use crate::domain::orders::{Actor, Assessment, OrderEvent, Outcome, Refusal, UpgradeOrder};
use crate::domain::text::{Arg, Text};
use crate::i18n::Lang;

pub fn state(s: OrderState) -> i32 {
    convert::by_name!(pb::OrderState, "ORDER_STATE_", s)
}

/// An `OrderState` filter: `None` for UNSPECIFIED (any state).
pub fn parse_state(value: i32) -> Result<Option<OrderState>, ApiError> {
    match pb::OrderState::try_from(value) {
        Ok(pb::OrderState::Unspecified) => Ok(None),
        Ok(s) => s
            .as_str_name()
            .strip_prefix("ORDER_STATE_")
            .and_then(OrderState::parse)
            .map(Some)
            .ok_or_else(|| ApiError::Internal(format!("proto state {s:?} has no domain state"))),
        Err(_) => Err(ApiError::invalid(
            "state",
            format!("unknown order state {value}"),
        )),
    }
}

fn outcome(o: Outcome) -> i32 {
    convert::by_name!(pb::OrderOutcome, "ORDER_OUTCOME_", o)
}

fn issue(i: MigrationIssue) -> i32 {
    convert::by_name!(pb::MigrationIssue, "MIGRATION_ISSUE_", i)
}

/// What to do about an issue: one remedy per issue (the sentence in
/// `remedy_message` fills in the names).
fn migration_remedy(i: MigrationIssue) -> pb::MigrationRemedy {
    match i {
        MigrationIssue::ServicePlansReset => pb::MigrationRemedy::SwitchServiceOffAgain,
        MigrationIssue::OverlappingLicense => pb::MigrationRemedy::ChooseLicenseForService,
        MigrationIssue::SignInBlocked => pb::MigrationRemedy::UnblockSignIn,
        MigrationIssue::LicenseNotMoved => pb::MigrationRemedy::AssignTargetLicense,
    }
}

fn money(m: &Money) -> pb::Money {
    pb::Money {
        amount: m.amount.to_string(),
        currency: m.currency.clone(),
    }
}

fn actor(a: &Actor) -> pb::AuditActor {
    match a {
        Actor::User(id) => pb::AuditActor {
            user_id: id.to_string(),
            ..Default::default()
        },
        Actor::App(app_id) => pb::AuditActor {
            app_id: app_id.clone(),
            ..Default::default()
        },
    }
}

pub fn migration_item(m: &MigrationItem, lang: Lang) -> pb::MigrationItem {
    pb::MigrationItem {
        user_id: m.user_id.to_string(),
        user_principal_name: m.user_principal_name.clone(),
        service_id: m.service_id.clone().unwrap_or_default(),
        issue: issue(m.issue),
        other_subscription_id: m
            .other_subscription_id
            .map(|s| s.to_string())
            .unwrap_or_default(),
        remedy: migration_remedy(m.issue) as i32,
        remedy_message: lang.render(&m.remedy),
    }
}

pub fn event(e: &OrderEvent) -> pb::OrderEvent {
    pb::OrderEvent {
        seq: e.seq,
        state: state(e.state),
        event_time: Some(convert::timestamp(e.at)),
        note: e.note.clone(),
    }
}

pub fn order(o: &UpgradeOrder, lang: Lang) -> pb::UpgradeOrder {
    pb::UpgradeOrder {
        order_id: o.id.to_string(),
        request_id: o.request_id.map(|r| r.to_string()).unwrap_or_default(),
        customer_id: o.customer_id.to_string(),
        source_subscription_id: o.source_subscription_id.to_string(),
        target_offer_id: o.target_offer_id.to_string(),
        target_subscription_id: o
            .target_subscription_id
            .map(|t| t.to_string())
            .unwrap_or_default(),
        quantity: o.quantity,
        upgrade_type: convert::upgrade_type(o.upgrade_type),
        billing_cycle: o.billing_cycle.map_or(0, convert::billing_cycle),
        state: state(o.state),
        outcome: outcome(o.outcome()),
        moved_user_count: o.moved_user_count,
        dropped_add_ons: o.dropped_add_ons.iter().map(subscription).collect(),
        prorated_credit: o.prorated_credit.as_ref().map(money),
        monthly_value: o.monthly_value.as_ref().map(money),
        migration_report: o
            .migration_report
            .iter()
            .map(|m| migration_item(m, lang))
            .collect(),
        events: o.events.iter().map(event).collect(),
        submitter: Some(actor(&o.submitted_by)),
        create_time: Some(convert::timestamp(o.created_at)),
        update_time: Some(convert::timestamp(o.updated_at)),
        partial: o.partial,
        into_existing_subscription: o.into_existing,
        user_ids: o.user_ids.iter().map(|u| u.to_string()).collect(),
        schedule: match o.scheduled_for {
            Some(_) => pb::UpgradeSchedule::AtRenewal as i32,
            None => pb::UpgradeSchedule::Now as i32,
        },
        scheduled_time: o.scheduled_for.map(convert::timestamp),
    }
}

pub fn preview(a: Assessment, catalog: &Catalog, lang: Lang) -> pb::PreviewUpgradeResponse {
    let (refusal, refusal_message) = match &a.refusal {
        None => (ErrorReason::Unspecified, String::new()),
        Some(r) => (code(r), lang.render(&refusal_text(r))),
    };
    pb::PreviewUpgradeResponse {
        would_succeed: a.refusal.is_none(),
        credit_check_required: a.credit_check_required,
        refusal: refusal as i32,
        refusal_message,
        migration_report: a
            .migration_report
            .iter()
            .map(|m| migration_item(m, lang))
            .collect(),
        dropped_add_ons: a.dropped_add_ons.iter().map(subscription).collect(),
        carried_add_ons: a.carried_add_ons.iter().map(subscription).collect(),
        prorated_credit: Some(money(&a.prorated_credit)),
        monthly_value: Some(money(&a.monthly_value)),
        moved_user_count: a.moved_user_count,
        billing_cycle: convert::billing_cycle(a.billing_cycle),
        scheduled_time: a.scheduled_for.map(convert::timestamp),
        eligibility: Some(super::upgrade::target(a.eligibility, catalog, lang)),
    }
}

/// The reason a refusal carries in `ErrorInfo.reason`: for an ineligible
/// upgrade, its first reason (the others follow in the details).
fn code(r: &Refusal) -> ErrorReason {
    match r {
        Refusal::Ineligible(reasons) => reasons.first().map_or(ErrorReason::Unspecified, |r| {
            reason_convert::error_reason(r.code)
        }),
        Refusal::SubscriptionNotFound(_) => ErrorReason::ResourceNotFound,
        Refusal::UnknownTargetOffer => ErrorReason::UnknownTargetOffer,
        Refusal::QuantityBelowMinimum { .. } => ErrorReason::QuantityBelowMinimum,
        Refusal::QuantityAboveMaximum { .. } => ErrorReason::QuantityAboveMaximum,
        Refusal::UpgradeTypeNotAllowed { .. } => ErrorReason::UpgradeTypeNotAllowed,
        Refusal::BillingCycleUnsupported(_) => ErrorReason::BillingCycleUnsupported,
        Refusal::NotPendingCreditCheck(_) => ErrorReason::NotPendingCreditCheck,
        Refusal::TargetSubscriptionNotFound(_) => ErrorReason::ResourceNotFound,
        Refusal::ReceiverUnsuitable { problem, .. } => split_convert::receiver_reason(*problem),
        Refusal::TooManyUsers { .. } => ErrorReason::UsersExceedQuantity,
        Refusal::UsersNotOnSource(_) => ErrorReason::UsersNotOnSource,
        Refusal::SourceSeatsShort { .. } => ErrorReason::SourceSeatsShort,
        Refusal::AlreadyScheduled(_) => ErrorReason::UpgradeAlreadyScheduled,
        Refusal::RenewalNotAhead(_) => ErrorReason::RenewalNotAhead,
        Refusal::NotScheduled(_) => ErrorReason::OrderNotCancellable,
    }
}

fn quantity_range(min: i64, max: i64) -> Vec<(String, String)> {
    vec![
        ("min_quantity".into(), min.to_string()),
        ("max_quantity".into(), max.to_string()),
    ]
}

/// What a refusal says to the partner, in their language.
pub(super) fn refusal_text(r: &Refusal) -> Text {
    let range = |id, min: &i64, max: &i64| Text::new(id).arg("min", *min).arg("max", *max);
    match r {
        Refusal::SubscriptionNotFound(id) | Refusal::TargetSubscriptionNotFound(id) => {
            Text::new("error-not-found")
                .arg("kind", Text::new("resource-subscription"))
                .arg("id", id.to_string())
        }
        Refusal::UnknownTargetOffer => Text::new("refusal-unknown-target-offer"),
        Refusal::Ineligible(reasons) => Text::new("refusal-ineligible").arg(
            "reasons",
            Arg::Sentences(reasons.iter().map(|r| r.message.clone()).collect()),
        ),
        Refusal::QuantityBelowMinimum { min, max } => {
            range("refusal-quantity-below-minimum", min, max)
        }
        Refusal::QuantityAboveMaximum { min, max } => {
            range("refusal-quantity-above-maximum", min, max)
        }
        Refusal::UpgradeTypeNotAllowed {
            asked,
            user_context,
            ..
        } => Text::new(if *user_context {
            "refusal-upgrade-type-not-granted"
        } else {
            "refusal-upgrade-type-needs-user"
        })
        .arg("asked", Text::named("upgrade-type", asked.as_str())),
        Refusal::BillingCycleUnsupported(cycle) => Text::new("refusal-billing-cycle-unsupported")
            .arg("cycle", Text::named("cycle", cycle.as_str())),
        Refusal::NotPendingCreditCheck(state) => Text::new("refusal-not-pending-credit-check")
            .arg("state", Text::named("order-state", state.as_str())),
        Refusal::ReceiverUnsuitable { id, problem } => split_convert::receiver_text(*id, *problem),
        Refusal::TooManyUsers { named, quantity } => {
            split_convert::too_many_users_text(*named, *quantity)
        }
        Refusal::UsersNotOnSource(users) => split_convert::users_not_on_source_text(users),
        Refusal::SourceSeatsShort {
            remaining_seats,
            remaining_users,
        } => split_convert::source_seats_short_text(*remaining_seats, *remaining_users),
        Refusal::AlreadyScheduled(id) => schedule_convert::already_scheduled_text(*id),
        Refusal::RenewalNotAhead(end) => schedule_convert::renewal_not_ahead_text(*end),
        Refusal::NotScheduled(state) => schedule_convert::not_cancellable_text(*state),
    }
}

/// SPEC §7: bad input is `INVALID_ARGUMENT`, a state that forbids the action
/// is `FAILED_PRECONDITION` with every reason in the details: one
/// `PreconditionFailure` violation each, and, typed with its remedy, in the
/// `UpgradeRefusal` detail (said in the caller's language). The
/// `LocalizedMessage` says the refusal in the caller's language.
pub fn refusal_error(r: Refusal) -> ApiError {
    let text = refusal_text(&r);
    refusal_error_in_english(r).with_text(text)
}

fn refusal_error_in_english(r: Refusal) -> ApiError {
    let reason = code(&r);
    let kind = reason.as_str_name().to_owned();
    match r {
        Refusal::SubscriptionNotFound(id) | Refusal::TargetSubscriptionNotFound(id) => {
            ApiError::not_found("subscription", id)
        }
        Refusal::ReceiverUnsuitable { id, problem } => {
            split_convert::receiver_unsuitable(id, problem)
        }
        Refusal::TooManyUsers { named, quantity } => split_convert::too_many_users(named, quantity),
        Refusal::UsersNotOnSource(users) => split_convert::users_not_on_source(&users),
        Refusal::SourceSeatsShort {
            remaining_seats,
            remaining_users,
        } => split_convert::source_seats_short(remaining_seats, remaining_users),
        Refusal::AlreadyScheduled(id) => schedule_convert::already_scheduled(id),
        Refusal::RenewalNotAhead(end) => schedule_convert::renewal_not_ahead(end),
        Refusal::NotScheduled(state) => schedule_convert::not_cancellable(state),
        Refusal::UnknownTargetOffer => {
            ApiError::invalid_because(reason, "target_offer_id", "is not an offer of the catalog")
        }
        Refusal::QuantityAboveMaximum { min, max } => ApiError::InvalidArgument {
            reason,
            field: "quantity",
            description: format!(
                "must be between {min} and {max}: the target offer allows at most {max} seats"
            ),
            metadata: quantity_range(min, max),
        },
        Refusal::BillingCycleUnsupported(cycle) => ApiError::invalid_because(
            reason,
            "billing_cycle",
            format!("the target offer is not sold {cycle}"),
        ),
        Refusal::Ineligible(reasons) => ApiError::FailedPrecondition {
            message: format!(
                "the upgrade is not possible now: {}",
                reasons
                    .iter()
                    .map(|r| Lang::En.render(&r.message))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            violations: reasons
                .iter()
                .map(|r| Violation {
                    kind: r.code.as_str().to_owned(),
                    subject: r
                        .subscriptions
                        .first()
                        .map(|s| s.id.to_string())
                        .unwrap_or_default(),
                    description: Lang::En.render(&r.message),
                })
                .collect(),
            metadata: Vec::new(),
            reasons: reasons
                .iter()
                .map(|r| reason_convert::reason(r, super::lang::current()))
                .collect(),
            reason,
        },
        Refusal::QuantityBelowMinimum { min, max } => ApiError::FailedPrecondition {
            message: format!(
                "quantity must be between {min} and {max}: licenses cannot be removed as part of an upgrade"
            ),
            violations: vec![Violation {
                kind,
                subject: "quantity".into(),
                description: format!(
                    "at least {min} (the source's quantity and assigned seats), at most {max}"
                ),
            }],
            metadata: quantity_range(min, max),
            reasons: Vec::new(),
            reason,
        },
        Refusal::UpgradeTypeNotAllowed {
            asked,
            allowed,
            user_context,
        } => {
            let allowed: Vec<String> = allowed
                .iter()
                .map(|t| format!("UPGRADE_TYPE_{}", t.as_str()))
                .collect();
            ApiError::FailedPrecondition {
                message: if user_context {
                    format!(
                        "{asked} is not allowed here: the delegated admin relationship does not grant it"
                    )
                } else {
                    format!(
                        "{asked} needs a user context: app callers may only upgrade without moving licenses"
                    )
                },
                violations: vec![Violation {
                    kind,
                    subject: "upgrade_type".into(),
                    description: format!("allowed: {}", allowed.join(", ")),
                }],
                metadata: vec![
                    ("user_context_required".into(), (!user_context).to_string()),
                    ("allowed_upgrade_types".into(), allowed.join(",")),
                ],
                reasons: Vec::new(),
                reason,
            }
        }
        Refusal::NotPendingCreditCheck(state) => ApiError::FailedPrecondition {
            message: format!("the order is {state}, not waiting for a credit check"),
            violations: vec![Violation {
                kind,
                subject: "order".into(),
                description: format!("state {state}"),
            }],
            metadata: vec![("state".into(), format!("ORDER_STATE_{}", state.as_str()))],
            reasons: Vec::new(),
            reason,
        },
    }
}
