//! Upgrade orders: the order transaction (`OrderStore`, `OrderTx`) written
//! by hand, and the use cases that write through it (`App::submit`,
//! `App::resolve_credit_check`), races included.

use std::sync::Arc;
use std::time::Duration;

use csp_upgrades::app::{App, Policy, Resolution, Submission};
use csp_upgrades::clock::SystemClock;
use csp_upgrades::domain::audit::AuditTarget;
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;
use csp_upgrades::domain::orders::credit::Money;
use csp_upgrades::domain::orders::{
    Actor, Decision, Effects, LicenseMove, Plan, Refusal, SeatCount, UpgradeOrder, UpgradeRequest,
};
use csp_upgrades::domain::roles::{Caller, Principal};
use csp_upgrades::storage::{KeyUse, OrderWrite, PageRequest, Store};
use rust_decimal::Decimal;

use super::common::db::TestDb;
use super::connect;
use super::fixtures::*;

/// An order of `customer`'s `source`, in progress, with one event.
pub fn new_order(partner: &Partner, by: &PartnerUser, source: &Subscription) -> UpgradeOrder {
    let mut order = UpgradeOrder {
        id: OrderId::new_v4(),
        partner_id: partner.id,
        customer_id: source.customer_id,
        request_id: Some(uuid::Uuid::new_v4()),
        submitted_by: Actor::User(by.id),
        source_subscription_id: source.id,
        target_offer_id: OfferId::parse("o365-e3").unwrap(),
        target_subscription_id: None,
        quantity: source.quantity,
        partial: false,
        into_existing: false,
        user_ids: Vec::new(),
        upgrade_type: UpgradeType::WithLicenseTransfer,
        billing_cycle: Some(BillingCycle::Monthly),
        state: OrderState::InProgress,
        moved_user_count: 1,
        dropped_add_ons: Vec::new(),
        prorated_credit: Some(Money {
            amount: Decimal::new(1234, 2),
            currency: "USD".into(),
        }),
        monthly_value: Some(Money {
            amount: Decimal::new(36000, 2),
            currency: "USD".into(),
        }),
        migration_report: Vec::new(),
        scheduled_for: None,
        events: Vec::new(),
        created_at: at(20, 1),
        updated_at: at(20, 1),
    };
    order.transition(OrderState::PendingCreditCheck, at(20, 1), "waiting");
    order
}

/// The demo's rich customer's base subscription every add-on hangs off
/// (licensed to amy@), and an add-on of it.
pub async fn base_and_add_on(store: &Arc<dyn Store>, demo: &Demo) -> (Subscription, Subscription) {
    let snapshot = store
        .snapshot(demo.partner.id, demo.rich.id)
        .await
        .unwrap()
        .unwrap();
    let source = snapshot
        .subscriptions
        .iter()
        .find(|s| s.channel == Channel::ThisPartner && s.parent_id.is_none())
        .unwrap()
        .clone();
    let add_on = snapshot
        .subscriptions
        .iter()
        .find(|s| s.parent_id == Some(source.id))
        .unwrap()
        .clone();
    (source, add_on)
}

/// The order transaction writes an order with its effects, updates it
/// later, and reads back exactly what it wrote, on every read path.
pub async fn an_order_and_its_effects_are_written_in_one_transaction(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let admin = demo.data.partner_users[0].clone();
    let (source, add_on) = base_and_add_on(&store, &demo).await;

    // A new order waiting for a credit check: no effects.
    let waiting = new_order(&demo.partner, &admin, &source);
    let mut tx = store
        .lock_customer(demo.partner.id, demo.rich.id)
        .await
        .unwrap()
        .unwrap();
    let key = waiting.request_id.unwrap();
    assert_eq!(tx.key_use(demo.partner.id, key).await.unwrap(), None);
    let plan = Plan {
        order: waiting.clone(),
        effects: None,
        supersedes: None,
    };
    let write = OrderWrite::New {
        fingerprint: "fingerprint",
    };
    tx.write_order(&plan, write).await.unwrap();
    assert_eq!(
        tx.order(demo.partner.id, waiting.id).await.unwrap(),
        Some(waiting.clone()),
        "the transaction reads its own write"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        store.order(demo.partner.id, waiting.id).await.unwrap(),
        Some(waiting.clone())
    );
    assert_eq!(
        store.key_use(demo.partner.id, key).await.unwrap(),
        Some(KeyUse {
            order: waiting.id,
            fingerprint: Some("fingerprint".into()),
        })
    );
    assert_eq!(store.key_use(demo.other.id, key).await.unwrap(), None);

    // Approved: executed with every kind of effect.
    let mut executed = waiting.clone();
    let mut target = source.clone();
    target.id = SubscriptionId::new_v4();
    target.offer_id = OfferId::parse("o365-e3").unwrap();
    target.created_at = at(21, 0);
    executed.target_subscription_id = Some(target.id);
    executed.transition(OrderState::Completed, at(21, 5), "approved and done");
    executed.updated_at = at(21, 5);
    let plan = Plan {
        order: executed.clone(),
        effects: Some(Effects {
            create: Some(target.clone()),
            target: target.id,
            source: source.id,
            licenses: LicenseMove::All,
            seats: vec![SeatCount {
                id: source.id,
                quantity: source.quantity,
                assigned_seats: 0,
            }],
            cancel: vec![source.id],
            reattach: vec![add_on.id],
        }),
        supersedes: None,
    };
    let mut tx = store
        .lock_customer(demo.partner.id, demo.rich.id)
        .await
        .unwrap()
        .unwrap();
    let before = tx
        .order(demo.partner.id, waiting.id)
        .await
        .unwrap()
        .unwrap();
    let write = OrderWrite::Update {
        previous_events: before.events.len(),
    };
    tx.write_order(&plan, write).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        store.order(demo.partner.id, waiting.id).await.unwrap(),
        Some(executed.clone())
    );
    let after = store
        .snapshot(demo.partner.id, demo.rich.id)
        .await
        .unwrap()
        .unwrap();
    let find = |id| after.subscriptions.iter().find(|s| s.id == id).unwrap();
    assert_eq!(find(target.id), &target);
    assert_eq!(find(source.id).status, SubscriptionStatus::Deleted);
    assert_eq!(find(source.id).assigned_seats, 0);
    assert_eq!(find(add_on.id).parent_id, Some(target.id));
    let amy = &after.users[0];
    assert!(
        amy.licenses
            .iter()
            .any(|l| l.subscription_id == target.id && l.disabled_services.is_empty()),
        "{amy:?}"
    );
    assert!(amy.licenses.iter().all(|l| l.subscription_id != source.id));

    // Listed newest first, after the imported ones.
    let listed = store
        .list_orders(
            demo.partner.id,
            &super::directory::of_customer(demo.rich.id),
            &PageRequest::first(100),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listed.items[0], executed);
    assert_eq!(listed.items.len(), demo.data.orders.len() + 1);
}

/// A transaction dropped before its commit writes nothing.
pub async fn a_dropped_order_transaction_writes_nothing(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let admin = demo.data.partner_users[0].clone();
    let source = demo
        .data
        .subscriptions
        .iter()
        .find(|s| s.customer_id == demo.bare.id || s.customer_id == demo.rich.id)
        .unwrap()
        .clone();
    let order = new_order(&demo.partner, &admin, &source);
    {
        let mut tx = store
            .lock_customer(demo.partner.id, source.customer_id)
            .await
            .unwrap()
            .unwrap();
        let plan = Plan {
            order: order.clone(),
            effects: None,
            supersedes: None,
        };
        tx.write_order(&plan, OrderWrite::New { fingerprint: "f" })
            .await
            .unwrap();
    }
    assert_eq!(store.order(demo.partner.id, order.id).await.unwrap(), None);
}

/// Only the partner's own customers can be locked.
pub async fn another_partners_customer_cannot_be_locked(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let mine = demo.partner.id;
    assert!(
        store
            .lock_customer(mine, demo.foreign.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .lock_customer(mine, CustomerId::new_v4())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .order(mine, OrderId::new_v4())
            .await
            .unwrap()
            .is_none()
    );
}

/// A second writer of the customer waits for the first to commit.
pub async fn a_customer_lock_holds_off_other_writers(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let (p, c) = (demo.partner.id, demo.rich.id);
    let first = store.lock_customer(p, c).await.unwrap().unwrap();
    let second = {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.lock_customer(p, c).await.map(|t| t.is_some()) })
    };
    // Proving a wait takes a wait: a quarter second in which it must not
    // get the lock.
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(!second.is_finished(), "the second writer waited");
    first.commit().await.unwrap();
    assert!(second.await.unwrap().unwrap());
}

/// The demo dataset's store and the use cases over it.
pub async fn demo_app(db: &TestDb) -> (Arc<dyn Store>, App, Caller) {
    demo_app_at(db, Arc::new(SystemClock)).await
}

/// [`demo_app`] whose clock is `clock`.
pub async fn demo_app_at(
    db: &TestDb,
    clock: Arc<dyn csp_upgrades::clock::Clock>,
) -> (Arc<dyn Store>, App, Caller) {
    let catalog = Arc::new(Catalog::builtin().unwrap());
    let store = csp_upgrades::startup::open_store(&db.url, &catalog, true)
        .await
        .unwrap();
    let agent = store
        .partner_user_by_upn("agent@contoso-csp.example")
        .await
        .unwrap()
        .unwrap();
    let caller = Caller {
        partner_id: agent.partner_id,
        principal: Principal::User {
            id: agent.id,
            upn: agent.upn.clone(),
            display_name: agent.display_name.clone(),
        },
        roles: agent.roles.clone(),
    };
    let policy = Policy {
        credit_check_thresholds: csp_upgrades::config::default_credit_check_thresholds(),
    };
    let app = App::new(
        Arc::clone(&store),
        catalog,
        clock,
        policy,
        Default::default(),
    );
    (store, app, caller)
}

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const TAILSPIN: &str = "30000000-0000-4000-8000-000000000008";
const TAILSPIN_E4: &str = "40000000-0000-4000-8000-000000000801";

pub fn request(customer: &str, source: &str, target: &str, quantity: i64) -> UpgradeRequest {
    UpgradeRequest {
        customer_id: CustomerId::parse(customer).unwrap(),
        subscription_id: SubscriptionId::parse(source).unwrap(),
        target_offer_id: OfferId::parse(target).unwrap(),
        quantity,
        upgrade_type: UpgradeType::WithLicenseTransfer,
        billing_cycle: None,
        partial: false,
        user_ids: Vec::new(),
        into_subscription: None,
        schedule: Default::default(),
    }
}

/// A submission executes, is replayed for its key, refuses its key for
/// another request, and is audited.
pub async fn a_submission_is_written_replayed_and_its_key_guarded(db: TestDb) {
    let (store, app, caller) = demo_app(&db).await;
    let upgrade = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12);
    let key = uuid::Uuid::new_v4();
    let Submission::Created(order) = app.submit(&caller, &upgrade, key).await.unwrap() else {
        panic!("created")
    };
    assert_eq!(order.state, OrderState::Completed);
    // As stored: times to the microsecond.
    let stored = store.order(caller.partner_id, order.id).await.unwrap();
    assert_eq!(
        app.submit(&caller, &upgrade, key).await.unwrap(),
        Submission::Replayed(stored.unwrap())
    );
    let other = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 13);
    assert_eq!(
        app.submit(&caller, &other, key).await.unwrap(),
        Submission::KeyReused(order.id)
    );
    // Done once: the source is gone, so a new key is refused.
    let again = app
        .submit(&caller, &upgrade, uuid::Uuid::new_v4())
        .await
        .unwrap();
    assert!(matches!(again, Submission::Refused(_)), "{again:?}");
    let unknown = request(
        "30000000-0000-4000-8000-0000000000ff",
        NORTHWIND_BASIC,
        "o365-e3",
        12,
    );
    assert_eq!(
        app.submit(&caller, &unknown, uuid::Uuid::new_v4())
            .await
            .unwrap(),
        Submission::CustomerNotFound
    );

    let audit = store
        .list_audit_records(
            caller.partner_id,
            &Default::default(),
            &PageRequest::first(50),
        )
        .await
        .unwrap();
    let submissions: Vec<_> = audit
        .items
        .iter()
        .filter(|r| r.target == AuditTarget::Order(order.id))
        .collect();
    assert_eq!(submissions.len(), 1, "{:?}", audit.items);
}

/// A credit check holds the order; approval executes it, once.
pub async fn a_credit_check_is_resolved_once(db: TestDb) {
    let (store, app, caller) = demo_app(&db).await;
    let upgrade = request(TAILSPIN, TAILSPIN_E4, "o365-e5", 150);
    let Submission::Created(order) = app
        .submit(&caller, &upgrade, uuid::Uuid::new_v4())
        .await
        .unwrap()
    else {
        panic!("created")
    };
    assert_eq!(order.state, OrderState::PendingCreditCheck);
    let resolved = app
        .resolve_credit_check(&caller, order.id, Decision::Approve, "fine")
        .await
        .unwrap();
    let Resolution::Resolved(done) = resolved else {
        panic!("resolved: {resolved:?}")
    };
    assert_eq!(done.state, OrderState::Completed);
    let stored = store
        .order(caller.partner_id, order.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.state, &stored.target_subscription_id),
        (done.state, &done.target_subscription_id)
    );
    assert_eq!(stored.events.len(), done.events.len());
    assert_eq!(
        app.resolve_credit_check(&caller, order.id, Decision::Reject, "late")
            .await
            .unwrap(),
        Resolution::Refused(Refusal::NotPendingCreditCheck(OrderState::Completed))
    );
    assert_eq!(
        app.resolve_credit_check(&caller, OrderId::new_v4(), Decision::Approve, "")
            .await
            .unwrap(),
        Resolution::OrderNotFound
    );
}

/// The same key sent for two customers at once (two different locks): one
/// is written, the other refused. Then the same key sent many times at once
/// for one customer: one order, the others replay it.
pub async fn the_same_key_sent_at_once_is_written_once(db: TestDb) {
    let (_store, app, caller) = demo_app(&db).await;
    let app = Arc::new(app);
    let northwind = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12);
    let tailspin = request(TAILSPIN, TAILSPIN_E4, "o365-e5", 150);
    let key = uuid::Uuid::new_v4();
    let (a, b) = tokio::join!(
        app.submit(&caller, &tailspin, key),
        app.submit(&caller, &northwind, key),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let free = match (&a, &b) {
        (Submission::Created(o), Submission::KeyReused(id))
        | (Submission::KeyReused(id), Submission::Created(o)) => {
            assert_eq!(o.id, *id);
            if matches!(a, Submission::Created(_)) {
                northwind
            } else {
                tailspin
            }
        }
        other => panic!("one written, one refused: {other:?}"),
    };

    let key = uuid::Uuid::new_v4();
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (app, caller, free) = (Arc::clone(&app), caller.clone(), free.clone());
            tokio::spawn(async move { app.submit(&caller, &free, key).await.unwrap() })
        })
        .collect();
    let mut created = Vec::new();
    let mut replayed = Vec::new();
    for r in racers {
        match r.await.unwrap() {
            Submission::Created(o) => created.push(o.id),
            Submission::Replayed(o) => replayed.push(o.id),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(created.len(), 1);
    assert_eq!(replayed.len(), 7);
    assert!(replayed.iter().all(|id| *id == created[0]));
}
