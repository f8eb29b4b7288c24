//! Orders between domain and proto, and refusals as gRPC errors.

use super::error::{ApiError, Violation};
use super::{convert, pb};
use crate::domain::catalog::Catalog;
use crate::domain::eligibility::SubscriptionRef;
use crate::domain::model::OrderState;
use crate::domain::orders::credit::Money;
use crate::domain::orders::report::{MigrationIssue, MigrationItem};
use crate::domain::orders::{Assessment, OrderEvent, Outcome, Refusal, UpgradeOrder};
use crate::domain::text::{Arg, Text};
use crate::i18n::Lang;

pub fn state(s: OrderState) -> i32 {
    pb::OrderState::from_str_name(s.as_str()).map_or(0, |v| v as i32)
}

fn outcome(o: Outcome) -> i32 {
    (match o {
        Outcome::CompletedClean => pb::OrderOutcome::CompletedClean,
        Outcome::CompletedWithAccountsNeedingWork => {
            pb::OrderOutcome::CompletedWithAccountsNeedingWork
        }
        Outcome::Waiting => pb::OrderOutcome::Waiting,
        Outcome::Failed => pb::OrderOutcome::OutcomeFailed,
        Outcome::Rejected => pb::OrderOutcome::OutcomeRejected,
    }) as i32
}

fn issue(i: MigrationIssue) -> i32 {
    pb::MigrationIssue::from_str_name(i.as_str()).map_or(0, |v| v as i32)
}

fn money(m: &Money) -> pb::Money {
    pb::Money {
        amount: m.amount.to_string(),
        currency: m.currency.clone(),
    }
}

pub fn subscription_ref(s: &SubscriptionRef) -> pb::ConflictingSubscription {
    pb::ConflictingSubscription {
        subscription_id: s.id.to_string(),
        offer_id: s.offer_id.to_string(),
        channel: convert::channel(s.channel),
        status: convert::status(s.status),
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
        remedy: lang.render(&m.remedy),
    }
}

pub fn event(e: &OrderEvent) -> pb::OrderEvent {
    pb::OrderEvent {
        seq: e.seq,
        state: state(e.state),
        at: Some(convert::timestamp(e.at)),
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
        dropped_add_ons: o.dropped_add_ons.iter().map(subscription_ref).collect(),
        prorated_credit: o.prorated_credit.as_ref().map(money),
        monthly_value: o.monthly_value.as_ref().map(money),
        migration_report: o
            .migration_report
            .iter()
            .map(|m| migration_item(m, lang))
            .collect(),
        events: o.events.iter().map(event).collect(),
        submitted_by: o.submitted_by.to_string(),
        created_at: Some(convert::timestamp(o.created_at)),
        updated_at: Some(convert::timestamp(o.updated_at)),
    }
}

pub fn preview(a: Assessment, catalog: &Catalog, lang: Lang) -> pb::PreviewUpgradeResponse {
    let (refusal, refusal_message) = match &a.refusal {
        None => (String::new(), String::new()),
        Some(r) => (code(r), lang.render(&refusal_text(r))),
    };
    pb::PreviewUpgradeResponse {
        would_succeed: a.refusal.is_none(),
        credit_check_required: a.credit_check_required,
        refusal,
        refusal_message,
        migration_report: a
            .migration_report
            .iter()
            .map(|m| migration_item(m, lang))
            .collect(),
        dropped_add_ons: a.dropped_add_ons.iter().map(subscription_ref).collect(),
        carried_add_ons: a.carried_add_ons.iter().map(subscription_ref).collect(),
        prorated_credit: Some(money(&a.prorated_credit)),
        monthly_value: Some(money(&a.monthly_value)),
        moved_user_count: a.moved_user_count,
        billing_cycle: convert::billing_cycle(a.billing_cycle),
        eligibility: Some(super::upgrade::target(a.eligibility, catalog, lang)),
    }
}

/// The code a refusal carries in `ErrorInfo.reason`.
fn code(r: &Refusal) -> String {
    match r {
        Refusal::Ineligible(reasons) => reasons
            .first()
            .map_or("NOT_ELIGIBLE", |r| r.code.as_str())
            .to_owned(),
        Refusal::SubscriptionNotFound(_) => "SUBSCRIPTION_NOT_FOUND".into(),
        Refusal::UnknownTargetOffer => "UNKNOWN_TARGET_OFFER".into(),
        Refusal::QuantityBelowMinimum { .. } => "QUANTITY_BELOW_MINIMUM".into(),
        Refusal::QuantityAboveMaximum { .. } => "QUANTITY_ABOVE_MAXIMUM".into(),
        Refusal::UpgradeTypeNotAllowed { .. } => "UPGRADE_TYPE_NOT_ALLOWED".into(),
        Refusal::BillingCycleUnsupported(_) => "BILLING_CYCLE_UNSUPPORTED".into(),
        Refusal::NotPendingCreditCheck(_) => "NOT_PENDING_CREDIT_CHECK".into(),
    }
}

/// What a refusal says to the partner, in their language.
pub(super) fn refusal_text(r: &Refusal) -> Text {
    let range = |id, min: &i64, max: &i64| Text::new(id).arg("min", *min).arg("max", *max);
    match r {
        Refusal::SubscriptionNotFound(id) => Text::new("error-not-found")
            .arg("kind", Text::new("resource-subscription"))
            .arg("id", id.to_string()),
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
    }
}

/// SPEC §7: bad input is `INVALID_ARGUMENT`, a state that forbids the action
/// is `FAILED_PRECONDITION` with the reason codes in the details. The
/// `LocalizedMessage` says the refusal in the caller's language.
pub fn refusal_error(r: Refusal) -> ApiError {
    let text = refusal_text(&r);
    refusal_error_in_english(r).with_text(text)
}

fn refusal_error_in_english(r: Refusal) -> ApiError {
    let reason = code(&r);
    match r {
        Refusal::SubscriptionNotFound(id) => ApiError::not_found("subscription", id),
        Refusal::UnknownTargetOffer => {
            ApiError::invalid("target_offer_id", "is not an offer of the catalog")
        }
        Refusal::QuantityAboveMaximum { min, max } => ApiError::invalid(
            "quantity",
            format!("must be between {min} and {max}: the target offer allows at most {max} seats"),
        ),
        Refusal::BillingCycleUnsupported(cycle) => ApiError::invalid(
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
                        .map(|s| format!("subscriptions/{}", s.id))
                        .unwrap_or_default(),
                    description: Lang::En.render(&r.message),
                })
                .collect(),
            metadata: Vec::new(),
            reason,
        },
        Refusal::QuantityBelowMinimum { min, max } => ApiError::FailedPrecondition {
            message: format!(
                "quantity must be between {min} and {max}: licenses cannot be removed as part of an upgrade"
            ),
            violations: vec![Violation {
                kind: reason.clone(),
                subject: "quantity".into(),
                description: format!(
                    "at least {min} (the source's quantity and assigned seats), at most {max}"
                ),
            }],
            metadata: vec![
                ("min_quantity".into(), min.to_string()),
                ("max_quantity".into(), max.to_string()),
            ],
            reason,
        },
        Refusal::UpgradeTypeNotAllowed {
            asked,
            allowed,
            user_context,
        } => ApiError::FailedPrecondition {
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
                kind: reason.clone(),
                subject: "upgrade_type".into(),
                description: format!(
                    "allowed: {}",
                    allowed
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }],
            metadata: vec![("user_context_required".into(), (!user_context).to_string())],
            reason,
        },
        Refusal::NotPendingCreditCheck(state) => ApiError::FailedPrecondition {
            message: format!("the order is {state}, not waiting for a credit check"),
            violations: vec![Violation {
                kind: reason.clone(),
                subject: "order".into(),
                description: format!("state {state}"),
            }],
            metadata: Vec::new(),
            reason,
        },
    }
}
