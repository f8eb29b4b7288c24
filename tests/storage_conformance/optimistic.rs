//! Submissions without the customer's lock (`OptimisticOrders`, Postgres):
//! the one-statement write does what the locked write does, and writes
//! nothing at all once another write moved the customer's version on.
//! SQLite has no such path; its instances check that it says so.

use csp_upgrades::domain::audit::{self, AuditAction, AuditRecord};
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;
use csp_upgrades::domain::orders::{Effects, LicenseMove, Plan, SeatCount};
use csp_upgrades::domain::roles::{Caller, Principal};
use csp_upgrades::storage::{KeyUse, PageRequest, Store};

use super::common::db::TestDb;
use super::connect;
use super::fixtures::*;
use super::orders::{base_and_add_on, new_order};

/// The demo's rich customer, its licensed base subscription and an add-on
/// of it, and a new order upgrading the base with every kind of effect.
struct Case {
    store: std::sync::Arc<dyn Store>,
    demo: Demo,
    caller: Caller,
    source: Subscription,
    add_on: Subscription,
    target: Subscription,
    plan: Plan,
}

async fn case(db: &TestDb) -> Case {
    let store = connect(db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let admin = demo.data.partner_users[0].clone();
    let (source, add_on) = base_and_add_on(&store, &demo).await;
    let mut target = source.clone();
    target.id = SubscriptionId::new_v4();
    target.offer_id = OfferId::parse("o365-e3").unwrap();
    target.created_at = at(21, 7);
    let mut order = new_order(&demo.partner, &admin, &source);
    order.target_subscription_id = Some(target.id);
    order.transition(OrderState::Completed, at(21, 5), "done");
    order.updated_at = at(21, 5);
    let plan = Plan {
        order,
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
    let caller = Caller {
        partner_id: demo.partner.id,
        principal: Principal::User {
            id: admin.id,
            upn: admin.upn.clone(),
            display_name: admin.display_name.clone(),
        },
        roles: admin.roles.clone(),
    };
    Case {
        store,
        demo,
        caller,
        source,
        add_on,
        target,
        plan,
    }
}

impl Case {
    /// The audit record of submitting the case's order.
    fn audit_record(&self) -> AuditRecord {
        let action = AuditAction::SubmitUpgrade;
        audit::order_record(
            &self.caller,
            action,
            &self.plan.order,
            AuditRecordId::new_v7(),
        )
    }
}

/// The one-statement write stores the order, its events, its audit record
/// and every effect, as the locked write does; the next read sees its key.
pub async fn a_write_at_the_read_version_does_all_the_locked_write_does(db: TestDb) {
    let c = case(&db).await;
    let Some(optimistic) = c.store.optimistic() else {
        assert_eq!(c.store.backend(), "sqlite", "only SQLite goes without");
        return;
    };
    let (partner, customer) = (c.demo.partner.id, c.demo.rich.id);
    let key = c.plan.order.request_id.unwrap();
    let read = optimistic
        .submission_read(partner, customer, key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.key_use, None);
    assert_eq!(
        Some(&read.snapshot),
        c.store
            .snapshot(partner, customer)
            .await
            .unwrap()
            .as_deref(),
        "the submission's read is the snapshot"
    );
    let record = c.audit_record();
    let written = optimistic
        .insert_order_at_version(read.version, &c.plan, "fingerprint", &record)
        .await
        .unwrap();
    assert!(written);

    assert_eq!(
        c.store.order(partner, c.plan.order.id).await.unwrap(),
        Some(c.plan.order.clone())
    );
    let after = c.store.snapshot(partner, customer).await.unwrap().unwrap();
    let find = |id| after.subscriptions.iter().find(|s| s.id == id).unwrap();
    assert_eq!(find(c.target.id), &c.target);
    assert_eq!(find(c.source.id).status, SubscriptionStatus::Deleted);
    assert_eq!(find(c.source.id).assigned_seats, 0, "seats and cancel both");
    assert_eq!(find(c.add_on.id).parent_id, Some(c.target.id));
    let amy = &after.users[0];
    assert!(
        amy.licenses
            .iter()
            .any(|l| l.subscription_id == c.target.id && l.disabled_services.is_empty()),
        "{amy:?}"
    );
    assert!(
        amy.licenses
            .iter()
            .all(|l| l.subscription_id != c.source.id)
    );
    let audit = c
        .store
        .list_audit_records(partner, &Default::default(), &PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(audit.items.iter().filter(|r| r.id == record.id).count(), 1);

    let again = optimistic
        .submission_read(partner, customer, key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.key_use,
        Some(KeyUse {
            order: c.plan.order.id,
            fingerprint: Some("fingerprint".into()),
        })
    );
    assert!(again.version > read.version);
    assert_eq!(
        optimistic
            .submission_read(c.demo.other.id, customer, key)
            .await
            .unwrap(),
        None,
        "another partner's customer is not there"
    );
}

/// Once another writer took the customer's lock (and so moved its version
/// on), a write at the version read before writes nothing at all.
pub async fn a_write_at_an_old_version_writes_nothing(db: TestDb) {
    let c = case(&db).await;
    let Some(optimistic) = c.store.optimistic() else {
        assert_eq!(c.store.backend(), "sqlite", "only SQLite goes without");
        return;
    };
    let (partner, customer) = (c.demo.partner.id, c.demo.rich.id);
    let key = c.plan.order.request_id.unwrap();
    let read = optimistic
        .submission_read(partner, customer, key)
        .await
        .unwrap()
        .unwrap();
    let before = c.store.snapshot(partner, customer).await.unwrap().unwrap();
    // Another writer: it takes the lock and commits (writing nothing).
    let tx = c
        .store
        .lock_customer(partner, customer)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();

    let record = c.audit_record();
    let written = optimistic
        .insert_order_at_version(read.version, &c.plan, "fingerprint", &record)
        .await
        .unwrap();
    assert!(!written);
    assert_eq!(c.store.order(partner, c.plan.order.id).await.unwrap(), None);
    assert_eq!(c.store.key_use(partner, key).await.unwrap(), None);
    let after = c.store.snapshot(partner, customer).await.unwrap().unwrap();
    assert_eq!(after, before, "no effect written");
    let audit = c
        .store
        .list_audit_records(partner, &Default::default(), &PageRequest::first(50))
        .await
        .unwrap();
    assert!(audit.items.iter().all(|r| r.id != record.id));

    // Read again, it writes.
    let fresh = optimistic
        .submission_read(partner, customer, key)
        .await
        .unwrap()
        .unwrap();
    assert!(fresh.version > read.version);
    assert!(
        optimistic
            .insert_order_at_version(fresh.version, &c.plan, "fingerprint", &record)
            .await
            .unwrap()
    );
}
