//! Upgrades scheduled for the renewal (SPEC §9) on each backend: claiming
//! due orders (`OrderStore::claim_due`), and runners racing over them
//! (`App::run_due`): every order runs exactly once, whatever the number of
//! runners. The clock is moved by hand; nothing waits for a period to end.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csp_upgrades::app::{App, Cancellation, RunReport, Submission};
use csp_upgrades::clock::ManualClock;
use csp_upgrades::domain::audit::{AuditAction, AuditTarget};
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::eligibility;
use csp_upgrades::domain::model::*;
use csp_upgrades::domain::orders::{Refusal, Schedule, UpgradeOrder, UpgradeRequest};
use csp_upgrades::domain::roles::Caller;
use csp_upgrades::storage::{PageRequest, Store};

use super::common::db::TestDb;
use super::orders::{demo_app_at, request};

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
/// Northwind Basic's period end in the demo data.
fn renewal() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap()
}

fn before_renewal() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 11, 12, 0, 0).unwrap()
}

fn at_renewal(mut r: UpgradeRequest) -> UpgradeRequest {
    r.schedule = Schedule::AtRenewal;
    r
}

async fn created(app: &App, caller: &Caller, r: &UpgradeRequest) -> UpgradeOrder {
    match app.submit(caller, r, uuid::Uuid::new_v4()).await.unwrap() {
        Submission::Created(order) => order,
        other => panic!("{other:?}"),
    }
}

/// Replicas: each its own connection pool and app on the same database and
/// the same clock.
async fn replicas(db: &TestDb, clock: &Arc<ManualClock>, n: usize) -> Vec<App> {
    let mut apps = Vec::new();
    for _ in 0..n {
        let (_, app, _) = demo_app_at(db, clock.clone()).await;
        apps.push(app);
    }
    apps
}

/// N runners at once, each draining what is due in batches of `batch`.
async fn race(apps: &[App], batch: u32) -> Vec<RunReport> {
    let runs = apps.iter().enumerate().map(|(i, app)| async move {
        app.run_all_due(&format!("runner-{i}"), batch)
            .await
            .unwrap()
    });
    futures::future::join_all(runs).await
}

async fn run_audits(store: &dyn Store, caller: &Caller) -> Vec<AuditTarget> {
    let page = store
        .list_audit_records(
            caller.partner_id,
            &Default::default(),
            &PageRequest::first(1000),
        )
        .await
        .unwrap();
    page.items
        .iter()
        .filter(|r| r.action == AuditAction::RunScheduledUpgrade)
        .map(|r| r.target)
        .collect()
}

/// A due order is claimed by one runner; another gets it only once the
/// lease ran out; an order not due, or no longer scheduled, is not claimed.
pub async fn due_orders_are_claimed_once_until_the_lease_runs_out(db: TestDb) {
    let clock = Arc::new(ManualClock::new(before_renewal()));
    let (store, app, caller) = demo_app_at(&db, clock.clone()).await;
    let order = created(
        &app,
        &caller,
        &at_renewal(request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10)),
    )
    .await;
    assert_eq!(order.state, OrderState::Scheduled);
    assert_eq!(order.scheduled_for, Some(renewal()));
    assert_eq!(
        store.order(caller.partner_id, order.id).await.unwrap(),
        Some(order.clone())
    );

    let lease = |t: DateTime<Utc>| t + TimeDelta::seconds(60);
    let early = renewal() - TimeDelta::microseconds(1);
    let none = store.claim_due("a", early, lease(early), 10).await.unwrap();
    assert!(none.is_empty(), "not due yet: {none:?}");
    let first = store
        .claim_due("a", renewal(), lease(renewal()), 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].order, order.id);
    assert_eq!(first[0].customer, order.customer_id);
    assert_eq!(first[0].partner, caller.partner_id);
    let held = store
        .claim_due("b", renewal(), lease(renewal()), 10)
        .await
        .unwrap();
    assert!(held.is_empty(), "a holds the lease: {held:?}");
    let later = lease(renewal());
    let taken_over = store.claim_due("b", later, lease(later), 10).await.unwrap();
    assert_eq!(taken_over, first, "the lease ran out: b takes it over");

    // Cancelled: never claimed again.
    let Cancellation::Cancelled(cancelled) = app
        .cancel_order(&caller, order.id, "changed our mind")
        .await
        .unwrap()
    else {
        panic!("cancel refused");
    };
    assert_eq!(cancelled.state, OrderState::Cancelled);
    let far = later + TimeDelta::days(1);
    assert!(
        store
            .claim_due("c", far, lease(far), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.cancel_order(&caller, order.id, "").await.unwrap(),
        Cancellation::Refused(Refusal::NotScheduled(OrderState::Cancelled))
    );
}

/// Eight runners race for one due order: it runs once.
pub async fn racing_runners_run_a_due_order_once(db: TestDb) {
    let clock = Arc::new(ManualClock::new(before_renewal()));
    let (store, app, caller) = demo_app_at(&db, clock.clone()).await;
    let order = created(
        &app,
        &caller,
        &at_renewal(request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10)),
    )
    .await;
    let apps = replicas(&db, &clock, 8).await;
    assert_eq!(
        race(&apps, 10).await.iter().map(|r| r.ran).sum::<usize>(),
        0,
        "not due"
    );

    clock.set(renewal() + TimeDelta::minutes(1));
    let reports = race(&apps, 10).await;
    assert_eq!(
        reports.iter().map(|r| r.ran).sum::<usize>(),
        1,
        "{reports:?}"
    );
    let done = store
        .order(caller.partner_id, order.id)
        .await
        .unwrap()
        .unwrap();
    let states: Vec<OrderState> = done.events.iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        [
            OrderState::Scheduled,
            OrderState::InProgress,
            OrderState::Completed
        ]
    );
    assert_eq!(
        done.prorated_credit.as_ref().map(|m| m.amount),
        Some(0.into())
    );
    let snap = store
        .snapshot(caller.partner_id, done.customer_id)
        .await
        .unwrap()
        .unwrap();
    let targets: Vec<&Subscription> = snap
        .subscriptions
        .iter()
        .filter(|s| Some(s.id) == done.target_subscription_id)
        .collect();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].period_start, renewal() + TimeDelta::minutes(1));
    assert_eq!(
        run_audits(&*store, &caller).await,
        [AuditTarget::Order(order.id)]
    );
    // Nothing left: another pass runs nothing.
    assert_eq!(
        race(&apps, 10).await.iter().map(|r| r.ran).sum::<usize>(),
        0
    );
}

/// Every demo subscription that can be upgraded is scheduled; four runners
/// with small batches race over all of them: each order runs exactly once
/// (to COMPLETED, FAILED or a credit check), and is audited once.
pub async fn racing_runners_run_many_orders_once_each(db: TestDb) {
    let clock = Arc::new(ManualClock::new(before_renewal()));
    let (store, app, caller) = demo_app_at(&db, clock.clone()).await;
    let catalog = Catalog::builtin().unwrap();
    let mut orders = Vec::new();
    let mut latest = before_renewal();
    for (customer, _) in store
        .customer_sizes(caller.partner_id, None, 1000)
        .await
        .unwrap()
    {
        let snap = store
            .snapshot(caller.partner_id, customer)
            .await
            .unwrap()
            .unwrap();
        for sub in &snap.subscriptions {
            let Ok(answer) =
                eligibility::check(&catalog, &snap, &caller, before_renewal(), sub.id, None)
            else {
                continue;
            };
            let Some(target) = answer.targets.iter().find(|t| t.eligible) else {
                continue;
            };
            let mut r = request(
                &customer.to_string(),
                &sub.id.to_string(),
                target.target.as_str(),
                target.min_quantity,
            );
            r.upgrade_type = UpgradeType::UpgradeOnly;
            if let Submission::Created(order) = app
                .submit(&caller, &at_renewal(r), uuid::Uuid::new_v4())
                .await
                .unwrap()
            {
                latest = latest.max(order.scheduled_for.unwrap());
                orders.push(order);
            }
        }
    }
    assert!(orders.len() >= 3, "only {} scheduled", orders.len());

    clock.set(latest);
    let apps = replicas(&db, &clock, 4).await;
    let reports = race(&apps, 2).await;
    assert_eq!(
        reports.iter().map(|r| r.ran).sum::<usize>(),
        orders.len(),
        "{reports:?}"
    );
    for order in &orders {
        let after = store
            .order(caller.partner_id, order.id)
            .await
            .unwrap()
            .unwrap();
        let states: Vec<OrderState> = after.events.iter().map(|e| e.state).collect();
        assert!(
            [
                &[
                    OrderState::Scheduled,
                    OrderState::InProgress,
                    OrderState::Completed
                ][..],
                &[OrderState::Scheduled, OrderState::Failed][..],
                &[OrderState::Scheduled, OrderState::PendingCreditCheck][..],
            ]
            .contains(&states.as_slice()),
            "{states:?}"
        );
    }
    let mut audited = run_audits(&*store, &caller).await;
    audited.sort_by_key(|t| format!("{t:?}"));
    audited.dedup();
    assert_eq!(audited.len(), orders.len());
}
