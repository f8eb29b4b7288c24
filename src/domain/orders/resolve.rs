//! Resolving a credit check (SPEC §5): approval checks the upgrade again
//! against the state now and executes it, or fails it with the reasons;
//! rejection ends it with nothing moved.

use super::order::{UpgradeOrder, UpgradeRequest};
use super::plan::{Context, Plan, Refusal, assess, execute};
use super::schedule;
use crate::domain::ids::SubscriptionId;
use crate::domain::model::{CustomerSnapshot, OrderState};

/// How a pending credit check ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// Resolves a credit check. Approval re-checks eligibility against the state
/// now (ignoring the order's own pending check) and executes, or fails the
/// order with the reasons; rejection ends it with nothing moved.
pub fn resolve(
    ctx: &Context,
    snapshot: &CustomerSnapshot,
    order: &UpgradeOrder,
    decision: Decision,
    note: &str,
    target_subscription: SubscriptionId,
) -> Result<Plan, Refusal> {
    if order.state != OrderState::PendingCreditCheck {
        return Err(Refusal::NotPendingCreditCheck(order.state));
    }
    let mut order = order.clone();
    let who = ctx.caller.principal_label();
    if decision == Decision::Reject {
        order.transition(
            OrderState::Rejected,
            ctx.now,
            format!("credit check rejected by {who}: {note}"),
        );
        return Ok(Plan {
            order,
            effects: None,
            supersedes: None,
        });
    }
    let mut snapshot = snapshot.clone();
    snapshot.open_orders.retain(|o| o.id != order.id);
    let request = UpgradeRequest::of_order(&order);
    // The submitter's right to the upgrade type was checked at submission;
    // the approver (a billing admin) only decides the credit.
    let assessment = assess(ctx, &snapshot, &request)?;
    let refusal = assessment
        .refusal
        .clone()
        .filter(|r| !matches!(r, Refusal::UpgradeTypeNotAllowed { .. }));
    if let Some(refusal) = refusal {
        order.transition(
            OrderState::Failed,
            ctx.now,
            format!(
                "credit check approved by {who}, but the upgrade is no longer possible: {}",
                refusal.summary()
            ),
        );
        return Ok(Plan {
            order,
            effects: None,
            supersedes: None,
        });
    }
    order.transition(
        OrderState::InProgress,
        ctx.now,
        format!("credit check approved by {who}: {note}"),
    );
    order.migration_report = assessment.migration_report.clone();
    order.dropped_add_ons = assessment.dropped_add_ons.clone();
    order.moved_user_count = assessment.moved_user_count;
    // A scheduled order ran before it waited: its credit stays zero.
    if order.scheduled_for.is_none() {
        order.prorated_credit = Some(assessment.prorated_credit.clone());
    }
    let effects = execute(
        &mut order,
        &snapshot,
        &assessment,
        target_subscription,
        ctx.now,
    )?;
    Ok(Plan {
        supersedes: schedule::scheduled_on(&snapshot, order.source_subscription_id),
        order,
        effects: Some(effects),
    })
}
