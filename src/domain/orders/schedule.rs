//! Upgrades scheduled for the renewal (SPEC §9). Such an order waits in
//! `SCHEDULED` until the source's period end, is checked again when it runs
//! (and then executes, waits for a credit check, or fails with the reasons),
//! and can be cancelled until then, by the caller or by an immediate
//! upgrade of the same source. Which process runs it, and that only one
//! does, is the database's business (`crate::app::runner`).

use chrono::{DateTime, Utc};

use super::order::{Schedule, UpgradeOrder, UpgradeRequest};
use super::plan::{Context, Plan, Refusal, assess, execute};
use crate::domain::ids::{OrderId, SubscriptionId};
use crate::domain::model::{CustomerSnapshot, OrderState, Subscription};

/// When `request` would run: `None` now, else the source's period end.
pub(super) fn due_time(
    snapshot: &CustomerSnapshot,
    request: &UpgradeRequest,
) -> Result<Option<DateTime<Utc>>, Refusal> {
    if request.schedule == Schedule::Now {
        return Ok(None);
    }
    let source = snapshot
        .subscriptions
        .iter()
        .find(|s| s.id == request.subscription_id)
        .ok_or(Refusal::SubscriptionNotFound(request.subscription_id))?;
    Ok(Some(source.period_end))
}

/// The source's scheduled order, if it has one.
pub fn scheduled_on(snapshot: &CustomerSnapshot, source: SubscriptionId) -> Option<OrderId> {
    snapshot
        .open_orders
        .iter()
        .find(|o| o.source_subscription_id == source && o.state == OrderState::Scheduled)
        .map(|o| o.id)
}

/// What stops scheduling `request` at `now`: one scheduled order per
/// source, and a period end still ahead.
pub(super) fn refusal(
    now: DateTime<Utc>,
    snapshot: &CustomerSnapshot,
    source: &Subscription,
    request: &UpgradeRequest,
) -> Option<Refusal> {
    if request.schedule == Schedule::Now {
        return None;
    }
    if let Some(id) = scheduled_on(snapshot, source.id) {
        return Some(Refusal::AlreadyScheduled(id));
    }
    (source.period_end <= now).then_some(Refusal::RenewalNotAhead(source.period_end))
}

/// Runs a due scheduled order against the state now: executes it, holds it
/// for a credit check, or fails it with the reasons it is no longer
/// possible. The submitter's right to the upgrade type is checked again
/// (`ctx.caller` stands for the submitter).
pub fn run(
    ctx: &Context,
    snapshot: &CustomerSnapshot,
    order: &UpgradeOrder,
    target_subscription: SubscriptionId,
) -> Result<Plan, Refusal> {
    if order.state != OrderState::Scheduled {
        return Err(Refusal::NotScheduled(order.state));
    }
    let mut order = order.clone();
    let mut snapshot = snapshot.clone();
    snapshot.open_orders.retain(|o| o.id != order.id);
    let request = UpgradeRequest::of_order(&order);
    let assessment = match assess(ctx, &snapshot, &request) {
        Ok(a) => match a.refusal.clone() {
            None => a,
            Some(refusal) => return Ok(failed(order, ctx, &refusal)),
        },
        Err(refusal) => return Ok(failed(order, ctx, &refusal)),
    };
    order.migration_report = assessment.migration_report.clone();
    order.dropped_add_ons = assessment.dropped_add_ons.clone();
    order.moved_user_count = assessment.moved_user_count;
    if assessment.credit_check_required {
        order.transition(
            OrderState::PendingCreditCheck,
            ctx.now,
            format!(
                "the renewal came; monthly value {} {} is at or above the credit check threshold: nothing moves until a billing admin approves",
                assessment.monthly_value.amount, assessment.monthly_value.currency
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
        "the renewal came: running the scheduled upgrade",
    );
    let target = target_subscription;
    match execute(&mut order, &snapshot, &assessment, target, ctx.now) {
        Ok(effects) => Ok(Plan {
            order,
            effects: Some(effects),
            supersedes: None,
        }),
        Err(refusal) => Ok(failed(order, ctx, &refusal)),
    }
}

/// Ends a scheduled order that can no longer run, saying why.
fn failed(mut order: UpgradeOrder, ctx: &Context, refusal: &Refusal) -> Plan {
    order.transition(
        OrderState::Failed,
        ctx.now,
        format!(
            "at the renewal the upgrade is no longer possible: {}",
            refusal.summary()
        ),
    );
    Plan {
        order,
        effects: None,
        supersedes: None,
    }
}

/// Cancels a scheduled order at the caller's request.
pub fn cancel(ctx: &Context, order: &UpgradeOrder, note: &str) -> Result<Plan, Refusal> {
    if order.state != OrderState::Scheduled {
        return Err(Refusal::NotScheduled(order.state));
    }
    let mut order = order.clone();
    let who = ctx.caller.principal_label();
    let note = match note {
        "" => format!("cancelled by {who}"),
        note => format!("cancelled by {who}: {note}"),
    };
    order.transition(OrderState::Cancelled, ctx.now, note);
    Ok(Plan {
        order,
        effects: None,
        supersedes: None,
    })
}

/// Cancels the source's scheduled order because `by` upgraded the source
/// now, as New Commerce does; `None` when it no longer waits.
pub fn supersede(order: &UpgradeOrder, by: OrderId, now: DateTime<Utc>) -> Option<UpgradeOrder> {
    if order.state != OrderState::Scheduled {
        return None;
    }
    let mut order = order.clone();
    order.transition(
        OrderState::Cancelled,
        now,
        format!("cancelled: order {by} upgraded the source at once"),
    );
    Some(order)
}
