//! Deciding an upgrade: the same assessment serves the dry run
//! (`PreviewUpgrade`) and the submission, so both give the same answer for the
//! same state. Submission runs it again inside the writing transaction.

use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;

use super::credit::{Money, monthly_value, prorated_credit};
use super::order::{Actor, UpgradeOrder, UpgradeRequest};
use super::report::{MigrationItem, migration_report};
use super::schedule;
use super::split::{self, LicenseMove, SeatCount};
use crate::domain::catalog::Catalog;
use crate::domain::eligibility::{
    self, EligibilityError, OrderKind, Reason, ReceiverProblem, SubscriptionRef, TargetEligibility,
};
use crate::domain::ids::{CustomerUserId, OrderId, SubscriptionId};
use crate::domain::model::{
    BillingCycle, Channel, CustomerSnapshot, OrderState, PaymentMethod, Subscription,
    SubscriptionStatus, UpgradeType,
};
use crate::domain::roles::Caller;

/// The fixed inputs of a decision.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    /// Invoice-paid orders whose monthly value is at or above this wait for a
    /// credit check.
    pub credit_check_threshold: Decimal,
}

/// Why an upgrade request cannot go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The subscription is not the customer's.
    SubscriptionNotFound(SubscriptionId),
    /// The target offer is not in the catalog.
    UnknownTargetOffer,
    /// Eligibility says no: every reason.
    Ineligible(Vec<Reason>),
    /// Fewer seats than the source has or uses.
    QuantityBelowMinimum { min: i64, max: i64 },
    /// More seats than the target allows.
    QuantityAboveMaximum { min: i64, max: i64 },
    /// The upgrade type asked for is not open to this caller here (license
    /// transfer needs a user and a delegated role that can write licenses).
    UpgradeTypeNotAllowed {
        asked: UpgradeType,
        allowed: Vec<UpgradeType>,
        user_context: bool,
    },
    /// The target does not offer the billing cycle asked for.
    BillingCycleUnsupported(BillingCycle),
    /// The order is not waiting for a credit check (resolution only).
    NotPendingCreditCheck(OrderState),
    /// The receiving subscription named is not the customer's.
    TargetSubscriptionNotFound(SubscriptionId),
    /// The receiving subscription named cannot take the seats.
    ReceiverUnsuitable {
        id: SubscriptionId,
        problem: ReceiverProblem,
    },
    /// More users named than seats moved.
    TooManyUsers { named: i64, quantity: i64 },
    /// Users named to move who hold no license of the source.
    UsersNotOnSource(Vec<CustomerUserId>),
    /// The source already has a scheduled order (SPEC §9: one per source).
    AlreadyScheduled(OrderId),
    /// The source's period ends now or has ended: nothing to wait for.
    RenewalNotAhead(DateTime<Utc>),
    /// Only a scheduled order can be cancelled (or run).
    NotScheduled(OrderState),
    /// A partial upgrade would leave the source fewer seats than the users
    /// who stay on it.
    SourceSeatsShort {
        remaining_seats: i64,
        remaining_users: i64,
    },
}

/// Everything a submission would do, computed without writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub eligibility: TargetEligibility,
    /// Partial, into an existing subscription, both or neither.
    pub kind: OrderKind,
    pub billing_cycle: BillingCycle,
    pub migration_report: Vec<MigrationItem>,
    pub dropped_add_ons: Vec<SubscriptionRef>,
    pub carried_add_ons: Vec<SubscriptionRef>,
    pub prorated_credit: Money,
    pub monthly_value: Money,
    pub credit_check_required: bool,
    pub moved_user_count: i64,
    /// When a scheduled order would run: the source's period end.
    pub scheduled_for: Option<DateTime<Utc>>,
    /// The first refusal that stops it, if any.
    pub refusal: Option<Refusal>,
}

/// What storage writes when an order executes, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effects {
    /// The new target subscription; `None` when the seats go to an
    /// existing one.
    pub create: Option<Subscription>,
    /// The subscription that receives the seats and licenses.
    pub target: SubscriptionId,
    pub source: SubscriptionId,
    /// Licenses that move from the source to the target (services switched
    /// off per user are switched on again: seed 000).
    pub licenses: LicenseMove,
    /// Seat counts to set: the source's and a receiver's.
    pub seats: Vec<SeatCount>,
    /// The source and the add-ons the target includes (full upgrades).
    pub cancel: Vec<SubscriptionId>,
    /// Add-ons that stay, re-attached to the target (full upgrades).
    pub reattach: Vec<SubscriptionId>,
}

/// A decided order: the order to write and, unless it waits for a credit
/// check (or failed), the effects to apply with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub order: UpgradeOrder,
    pub effects: Option<Effects>,
    /// The source's scheduled order, which this executed upgrade cancels
    /// (SPEC §9).
    pub supersedes: Option<OrderId>,
}

/// Ids the server generates for a new order.
#[derive(Debug, Clone, Copy)]
pub struct NewIds {
    pub order: OrderId,
    pub target_subscription: SubscriptionId,
}

/// What `request` would do; a scheduled one is judged as of the source's
/// period end, when it would run (SPEC §9).
pub fn assess(
    ctx: &Context,
    snapshot: &CustomerSnapshot,
    request: &UpgradeRequest,
) -> Result<Assessment, Refusal> {
    let scheduled_for = schedule::due_time(snapshot, request)?;
    let submitted = ctx.now;
    let ctx = &Context {
        now: scheduled_for.unwrap_or(ctx.now),
        ..*ctx
    };
    let answer = eligibility::check(
        ctx.catalog,
        snapshot,
        ctx.caller,
        ctx.now,
        request.subscription_id,
        Some(&request.target_offer_id),
    )
    .map_err(|e| match e {
        EligibilityError::SubscriptionNotFound(id) => Refusal::SubscriptionNotFound(id),
        EligibilityError::UnknownTargetOffer(_)
        | EligibilityError::SourceOfferNotInCatalog { .. } => Refusal::UnknownTargetOffer,
    })?;
    let eligibility = answer
        .targets
        .into_iter()
        .next()
        .ok_or(Refusal::UnknownTargetOffer)?;
    let source = snapshot
        .subscriptions
        .iter()
        .find(|s| s.id == request.subscription_id)
        .ok_or(Refusal::SubscriptionNotFound(request.subscription_id))?;
    let source_offer = ctx
        .catalog
        .offer(&source.offer_id)
        .ok_or(Refusal::UnknownTargetOffer)?;
    let target = ctx
        .catalog
        .offer(&request.target_offer_id)
        .ok_or(Refusal::UnknownTargetOffer)?;

    let kind = split::kind_of(request);
    let receiver = split::receiver(snapshot, request)?;
    let billing_cycle = match receiver {
        Some(r) => r.billing_cycle,
        None => request.billing_cycle.unwrap_or(source.billing_cycle),
    };
    let moving = split::moving_users(snapshot, source, request, kind);
    let mut migration_report =
        migration_report(ctx.catalog, snapshot, source, target, request.upgrade_type);
    if kind.partial {
        // Only the moved users change; the others keep the source.
        migration_report.retain(|item| moving.contains(&item.user_id));
    }
    let monthly = monthly_value(target, request.quantity);
    let credit_check_required = source.payment_method == PaymentMethod::Invoice
        && monthly.amount >= ctx.credit_check_threshold;
    // The credit covers the seats that leave the source.
    let credited = Subscription {
        quantity: source.quantity.min(request.quantity),
        ..source.clone()
    };

    let blocking = eligibility.blocking(kind);
    let refusal = if let Some(refusal) = schedule::refusal(submitted, snapshot, source, request) {
        Some(refusal)
    } else if let Some(refusal) = split::receiver_refusal(source, target, request, receiver) {
        Some(refusal)
    } else if !blocking.is_empty() {
        Some(Refusal::Ineligible(blocking))
    } else if let Some(refusal) = split::refusal(
        snapshot,
        source,
        target,
        &eligibility,
        request,
        receiver,
        &moving,
    ) {
        Some(refusal)
    } else if !eligibility
        .caller_upgrade_types
        .contains(&request.upgrade_type)
    {
        Some(Refusal::UpgradeTypeNotAllowed {
            asked: request.upgrade_type,
            allowed: eligibility.caller_upgrade_types.clone(),
            user_context: ctx.caller.has_user_context(),
        })
    } else if !target.billing_cycles.contains(&billing_cycle) {
        Some(Refusal::BillingCycleUnsupported(billing_cycle))
    } else {
        None
    };

    // Add-ons stay with a source that stays.
    let (dropped_add_ons, carried_add_ons) = if kind.partial {
        (Vec::new(), Vec::new())
    } else {
        (
            eligibility.dropped_add_ons.clone(),
            eligibility.carried_add_ons.clone(),
        )
    };
    Ok(Assessment {
        dropped_add_ons,
        carried_add_ons,
        eligibility,
        kind,
        billing_cycle,
        migration_report,
        // Nothing of the period is unused at the renewal.
        prorated_credit: match scheduled_for {
            Some(_) => Money::zero(&source_offer.currency),
            None => prorated_credit(&credited, source_offer, ctx.now),
        },
        monthly_value: monthly,
        credit_check_required,
        moved_user_count: moving.len() as i64,
        scheduled_for,
        refusal,
    })
}

/// Decides a submission: refused, waiting for a credit check, or executed.
pub fn plan(
    ctx: &Context,
    snapshot: &CustomerSnapshot,
    request: &UpgradeRequest,
    request_id: uuid::Uuid,
    ids: NewIds,
) -> Result<Plan, Refusal> {
    let assessment = assess(ctx, snapshot, request)?;
    if let Some(refusal) = assessment.refusal.clone() {
        return Err(refusal);
    }
    let actor = match &ctx.caller.principal {
        crate::domain::roles::Principal::User { id, .. } => Actor::User(*id),
        crate::domain::roles::Principal::App { app_id } => Actor::App(app_id.clone()),
    };
    let mut order = UpgradeOrder {
        id: ids.order,
        partner_id: ctx.caller.partner_id,
        customer_id: request.customer_id,
        request_id: Some(request_id),
        submitted_by: actor,
        source_subscription_id: request.subscription_id,
        target_offer_id: request.target_offer_id.clone(),
        target_subscription_id: request.into_subscription,
        quantity: request.quantity,
        partial: assessment.kind.partial,
        into_existing: assessment.kind.into_existing,
        user_ids: request.user_ids.clone(),
        upgrade_type: request.upgrade_type,
        billing_cycle: Some(assessment.billing_cycle),
        state: OrderState::InProgress,
        moved_user_count: assessment.moved_user_count,
        dropped_add_ons: assessment.dropped_add_ons.clone(),
        prorated_credit: Some(assessment.prorated_credit.clone()),
        monthly_value: Some(assessment.monthly_value.clone()),
        migration_report: assessment.migration_report.clone(),
        scheduled_for: assessment.scheduled_for,
        events: Vec::new(),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    if let Some(due) = assessment.scheduled_for {
        order.transition(
            OrderState::Scheduled,
            ctx.now,
            format!("scheduled for the source's renewal at {due}; it is checked again then"),
        );
        return Ok(Plan {
            order,
            effects: None,
            supersedes: None,
        });
    }
    if assessment.credit_check_required {
        order.transition(
            OrderState::PendingCreditCheck,
            ctx.now,
            format!(
                "monthly value {} {} is at or above the credit check threshold; nothing moves until a billing admin approves",
                assessment.monthly_value.amount, assessment.monthly_value.currency
            ),
        );
        return Ok(Plan {
            order,
            effects: None,
            supersedes: None,
        });
    }
    let effects = execute(
        &mut order,
        snapshot,
        &assessment,
        ids.target_subscription,
        ctx.now,
    )?;
    Ok(Plan {
        supersedes: schedule::scheduled_on(snapshot, order.source_subscription_id),
        order,
        effects: Some(effects),
    })
}

/// Completes `order` and says what to write.
pub(super) fn execute(
    order: &mut UpgradeOrder,
    snapshot: &CustomerSnapshot,
    assessment: &Assessment,
    new_id: SubscriptionId,
    now: DateTime<Utc>,
) -> Result<Effects, Refusal> {
    let source = snapshot
        .subscriptions
        .iter()
        .find(|s| s.id == order.source_subscription_id)
        .ok_or(Refusal::SubscriptionNotFound(order.source_subscription_id))?;
    let request = UpgradeRequest::of_order(order);
    let kind = assessment.kind;
    let receiver = split::receiver(snapshot, &request)?;
    let moving = split::moving_users(snapshot, source, &request, kind);
    let moves = split::moves(snapshot, source, kind, order.quantity, &moving, receiver);
    let create = receiver.is_none().then(|| {
        let months = match assessment.billing_cycle {
            BillingCycle::Monthly => 1,
            BillingCycle::Annual => 12,
        };
        Subscription {
            id: new_id,
            customer_id: order.customer_id,
            offer_id: order.target_offer_id.clone(),
            channel: Channel::ThisPartner,
            status: SubscriptionStatus::Active,
            provisioned: true,
            quantity: order.quantity,
            // A full move keeps the source's count, as before partial ones.
            assigned_seats: match (kind.partial, &moves.licenses) {
                (false, LicenseMove::All) => source.assigned_seats,
                _ => moves.moved_count,
            },
            billing_cycle: assessment.billing_cycle,
            payment_method: source.payment_method,
            trial: false,
            parent_id: None,
            period_start: now,
            period_end: now.checked_add_months(Months::new(months)).unwrap_or(now),
            created_at: now,
        }
    });
    let target_id = receiver.map_or(new_id, |r| r.id);
    if order.events.last().map(|e| e.state) != Some(OrderState::InProgress) {
        order.transition(OrderState::InProgress, now, "executing");
    }
    order.target_subscription_id = Some(target_id);
    order.moved_user_count = moves.moved_count;
    let what = match (kind.into_existing, kind.partial) {
        (false, false) => "target subscription active, source cancelled".to_owned(),
        (true, false) => "seats added to the existing subscription, source cancelled".to_owned(),
        (false, true) => format!(
            "{} seat(s) moved to the new subscription, the source keeps {}",
            order.quantity,
            source.quantity - order.quantity
        ),
        (true, true) => format!(
            "{} seat(s) moved to the existing subscription, the source keeps {}",
            order.quantity,
            source.quantity - order.quantity
        ),
    };
    let note = match order.migration_report.len() {
        0 => what,
        n => format!("{what}; {n} account item(s) need work"),
    };
    order.transition(OrderState::Completed, now, note);
    let (cancel, reattach) = if kind.partial {
        (Vec::new(), Vec::new())
    } else {
        let mut cancel = vec![source.id];
        cancel.extend(assessment.dropped_add_ons.iter().map(|a| a.id));
        let reattach = assessment.carried_add_ons.iter().map(|a| a.id).collect();
        (cancel, reattach)
    };
    Ok(Effects {
        create,
        target: target_id,
        source: source.id,
        licenses: moves.licenses,
        seats: moves.seats,
        cancel,
        reattach,
    })
}

impl Refusal {
    /// The stable code of the refusal (the eligibility reason codes, joined,
    /// for an ineligible request).
    pub fn summary(&self) -> String {
        match self {
            Refusal::Ineligible(reasons) => reasons
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            Refusal::SubscriptionNotFound(_) => "SUBSCRIPTION_NOT_FOUND".into(),
            Refusal::UnknownTargetOffer => "UNKNOWN_TARGET_OFFER".into(),
            Refusal::QuantityBelowMinimum { min, max } => {
                format!("QUANTITY_BELOW_MINIMUM ({min}..={max})")
            }
            Refusal::QuantityAboveMaximum { min, max } => {
                format!("QUANTITY_ABOVE_MAXIMUM ({min}..={max})")
            }
            Refusal::UpgradeTypeNotAllowed { asked, .. } => {
                format!("UPGRADE_TYPE_NOT_ALLOWED ({asked})")
            }
            Refusal::BillingCycleUnsupported(c) => format!("BILLING_CYCLE_UNSUPPORTED ({c})"),
            Refusal::NotPendingCreditCheck(s) => format!("NOT_PENDING_CREDIT_CHECK ({s})"),
            Refusal::TargetSubscriptionNotFound(id) => {
                format!("TARGET_SUBSCRIPTION_NOT_FOUND ({id})")
            }
            Refusal::ReceiverUnsuitable { problem, .. } => {
                format!("TARGET_SUBSCRIPTION_UNSUITABLE ({problem})")
            }
            Refusal::TooManyUsers { named, quantity } => {
                format!("TOO_MANY_USERS ({named} > {quantity})")
            }
            Refusal::UsersNotOnSource(users) => format!("USERS_NOT_ON_SOURCE ({})", users.len()),
            Refusal::SourceSeatsShort {
                remaining_seats,
                remaining_users,
            } => format!("SOURCE_SEATS_SHORT ({remaining_users} > {remaining_seats})"),
            Refusal::AlreadyScheduled(id) => format!("UPGRADE_ALREADY_SCHEDULED ({id})"),
            Refusal::RenewalNotAhead(end) => format!("RENEWAL_NOT_AHEAD ({end})"),
            Refusal::NotScheduled(s) => format!("ORDER_NOT_CANCELLABLE ({s})"),
        }
    }
}
