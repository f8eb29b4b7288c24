//! Upgrades scheduled for the renewal (SPEC §9), decided without storage on
//! the demo customers: one case per rule.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rust_decimal::Decimal;

use super::tests::*;
use super::*;
use crate::domain::catalog::Catalog;
use crate::domain::ids::*;
use crate::domain::model::*;
use crate::domain::roles::Caller;

/// Northwind Basic's period end in the demo data.
fn renewal() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap()
}

fn ctx<'a>(catalog: &'a Catalog, caller: &'a Caller, now: DateTime<Utc>) -> Context<'a> {
    Context {
        catalog,
        caller,
        now,
        credit_check_threshold: Decimal::from(5000),
    }
}

fn at_renewal() -> UpgradeRequest {
    UpgradeRequest {
        schedule: Schedule::AtRenewal,
        ..request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10, TRANSFER)
    }
}

/// A snapshot in which `order` waits on its source.
fn with_scheduled(mut snap: CustomerSnapshot, order: &UpgradeOrder) -> CustomerSnapshot {
    snap.open_orders.push(OrderSummary {
        id: order.id,
        customer_id: order.customer_id,
        source_subscription_id: order.source_subscription_id,
        target_offer_id: order.target_offer_id.clone(),
        state: order.state,
        created_at: order.created_at,
    });
    snap
}

fn scheduled_order(catalog: &Catalog, caller: &Caller, snap: &CustomerSnapshot) -> UpgradeOrder {
    let plan = plan(
        &ctx(catalog, caller, now()),
        snap,
        &at_renewal(),
        uuid::Uuid::nil(),
        ids(),
    )
    .unwrap();
    assert!(plan.effects.is_none() && plan.supersedes.is_none());
    plan.order
}

#[test]
fn a_scheduled_order_waits_for_the_period_end_without_credit() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, NORTHWIND);
    let caller = user(snap.customer.partner_id);
    let preview = assess(&ctx(&catalog, &caller, now()), &snap, &at_renewal()).unwrap();
    assert_eq!(preview.refusal, None);
    assert_eq!(preview.scheduled_for, Some(renewal()));
    assert_eq!(preview.prorated_credit.amount, Decimal::ZERO);
    let now_preview = assess(
        &ctx(&catalog, &caller, now()),
        &snap,
        &request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10, TRANSFER),
    )
    .unwrap();
    assert!(now_preview.prorated_credit.amount > Decimal::ZERO);

    let order = scheduled_order(&catalog, &caller, &snap);
    assert_eq!(order.state, OrderState::Scheduled);
    assert_eq!(order.outcome(), Outcome::Scheduled);
    assert_eq!(order.scheduled_for, Some(renewal()));
    assert_eq!(order.events.len(), 1);
    assert_eq!(order.prorated_credit, Some(preview.prorated_credit));
    assert_eq!(order.migration_report, preview.migration_report);
    assert_eq!(order.target_subscription_id, None);
}

#[test]
fn one_scheduled_order_per_source_and_only_before_the_period_end() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, NORTHWIND);
    let caller = user(snap.customer.partner_id);
    let first = scheduled_order(&catalog, &caller, &snap);
    let snap = with_scheduled(snap, &first);
    let second = UpgradeRequest {
        target_offer_id: OfferId::parse("o365-e5").unwrap(),
        ..at_renewal()
    };
    assert_eq!(
        assess(&ctx(&catalog, &caller, now()), &snap, &second)
            .unwrap()
            .refusal,
        Some(Refusal::AlreadyScheduled(first.id))
    );
    // A scheduled order blocks nothing else: an immediate upgrade goes ahead.
    let immediate = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10, TRANSFER);
    assert_eq!(
        assess(&ctx(&catalog, &caller, now()), &snap, &immediate)
            .unwrap()
            .refusal,
        None
    );

    let fresh = snapshot(&data, NORTHWIND);
    assert_eq!(
        assess(&ctx(&catalog, &caller, renewal()), &fresh, &at_renewal())
            .unwrap()
            .refusal,
        Some(Refusal::RenewalNotAhead(renewal()))
    );
}

#[test]
fn an_immediate_upgrade_supersedes_the_scheduled_one() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, NORTHWIND);
    let caller = user(snap.customer.partner_id);
    let scheduled = scheduled_order(&catalog, &caller, &snap);
    let snap = with_scheduled(snap, &scheduled);
    let immediate = request(NORTHWIND, NORTHWIND_BASIC, "o365-e5", 10, TRANSFER);
    let plan = plan(
        &ctx(&catalog, &caller, now()),
        &snap,
        &immediate,
        uuid::Uuid::nil(),
        ids(),
    )
    .unwrap();
    assert!(plan.effects.is_some());
    assert_eq!(plan.supersedes, Some(scheduled.id));
    let cancelled = schedule::supersede(&scheduled, plan.order.id, now()).unwrap();
    assert_eq!(cancelled.state, OrderState::Cancelled);
    assert!(
        cancelled.events[1]
            .note
            .contains(&plan.order.id.to_string())
    );
    assert_eq!(schedule::supersede(&cancelled, plan.order.id, now()), None);
}

#[test]
fn at_the_renewal_it_runs_or_fails_with_the_reasons() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, NORTHWIND);
    let caller = user(snap.customer.partner_id);
    let order = scheduled_order(&catalog, &caller, &snap);
    let snap = with_scheduled(snap, &order);
    let at = renewal() + TimeDelta::hours(1);
    let target = SubscriptionId::new_v4();

    let ran = schedule::run(&ctx(&catalog, &caller, at), &snap, &order, target).unwrap();
    let states: Vec<OrderState> = ran.order.events.iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        [
            OrderState::Scheduled,
            OrderState::InProgress,
            OrderState::Completed
        ]
    );
    let effects = ran.effects.expect("executes");
    assert_eq!(effects.create.expect("new target").period_start, at);
    assert_eq!(
        ran.order.prorated_credit.as_ref().unwrap().amount,
        Decimal::ZERO
    );

    // The customer bought more seats meanwhile: 10 no longer covers them.
    let mut grown = snap.clone();
    let source = SubscriptionId::parse(NORTHWIND_BASIC).unwrap();
    grown
        .subscriptions
        .iter_mut()
        .find(|s| s.id == source)
        .unwrap()
        .quantity = 25;
    let failed = schedule::run(&ctx(&catalog, &caller, at), &grown, &order, target).unwrap();
    assert_eq!(failed.order.state, OrderState::Failed);
    assert!(failed.effects.is_none());
    assert!(
        failed.order.events[1]
            .note
            .contains("QUANTITY_BELOW_MINIMUM"),
        "{}",
        failed.order.events[1].note
    );

    // Only a waiting order runs.
    assert_eq!(
        schedule::run(&ctx(&catalog, &caller, at), &snap, &ran.order, target),
        Err(Refusal::NotScheduled(OrderState::Completed))
    );
}

#[test]
fn the_caller_cancels_only_a_waiting_order() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, NORTHWIND);
    let caller = user(snap.customer.partner_id);
    let order = scheduled_order(&catalog, &caller, &snap);
    let cancelled = schedule::cancel(&ctx(&catalog, &caller, now()), &order, "not now").unwrap();
    assert_eq!(cancelled.order.state, OrderState::Cancelled);
    assert!(cancelled.order.state.is_final());
    assert!(cancelled.order.events[1].note.ends_with("not now"));
    assert_eq!(
        schedule::cancel(&ctx(&catalog, &caller, now()), &cancelled.order, ""),
        Err(Refusal::NotScheduled(OrderState::Cancelled))
    );
}

#[test]
fn a_scheduled_request_has_its_own_fingerprint() {
    let now_request = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10, TRANSFER);
    assert_ne!(now_request.fingerprint(), at_renewal().fingerprint());
    assert!(
        !now_request.fingerprint().contains("at_renewal"),
        "old fingerprints stay"
    );
}
