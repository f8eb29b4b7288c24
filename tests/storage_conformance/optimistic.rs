//! Submissions without the customer's lock (`OptimisticOrders`, Postgres):
//! the one-statement write does what the locked write does, and writes
//! nothing at all once another write moved the customer's version on.
//! SQLite has no such path; its instances check that it says so.

use csp_upgrades::domain::audit::{self, AuditAction, AuditRecord};
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;
use csp_upgrades::domain::orders::{Effects, LicenseMove, Plan, SeatCount};
use csp_upgrades::domain::roles::{Caller, Principal};
use csp_upgrades::storage::{
    KeyUse, OptimisticOrders, OrderAtVersion, PageRequest, Store, SubmissionRead,
};

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

/// The read of one submission.
async fn read_one(
    optimistic: &dyn OptimisticOrders,
    partner: PartnerId,
    customer: CustomerId,
    key: uuid::Uuid,
) -> Option<SubmissionRead> {
    let mut reads = optimistic
        .submission_reads(partner, &[(customer, key)])
        .await
        .unwrap();
    assert_eq!(reads.len(), 1, "an answer per item");
    reads.pop().unwrap()
}

/// Writes one order at `version`; whether it was written.
async fn write_one(
    optimistic: &dyn OptimisticOrders,
    version: i64,
    plan: &Plan,
    audit: &AuditRecord,
) -> bool {
    let order = OrderAtVersion {
        version,
        plan,
        fingerprint: "fingerprint",
        audit,
    };
    let written = optimistic
        .insert_orders_at_versions(&[order])
        .await
        .unwrap();
    assert_eq!(written.len(), 1, "an answer per order");
    written[0]
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
    let read = read_one(optimistic, partner, customer, key).await.unwrap();
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
    let written = write_one(optimistic, read.version, &c.plan, &record).await;
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

    let again = read_one(optimistic, partner, customer, key).await.unwrap();
    assert_eq!(
        again.key_use,
        Some(KeyUse {
            order: c.plan.order.id,
            fingerprint: Some("fingerprint".into()),
        })
    );
    assert!(again.version > read.version);
    assert_eq!(
        read_one(optimistic, c.demo.other.id, customer, key).await,
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
    let read = read_one(optimistic, partner, customer, key).await.unwrap();
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
    let written = write_one(optimistic, read.version, &c.plan, &record).await;
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
    let fresh = read_one(optimistic, partner, customer, key).await.unwrap();
    assert!(fresh.version > read.version);
    assert!(write_one(optimistic, fresh.version, &c.plan, &record).await);
}

/// Orders of several customers in one write: each is written exactly when
/// its own customer is still at the version read, and the reads answer
/// item by item, a customer of another partner with nothing.
pub async fn one_write_of_many_customers_writes_those_still_at_their_version(db: TestDb) {
    let c = case(&db).await;
    let Some(optimistic) = c.store.optimistic() else {
        assert_eq!(c.store.backend(), "sqlite", "only SQLite goes without");
        return;
    };
    let (partner, other) = (c.demo.partner.id, c.demo.other.id);
    let (rich, foreign) = (c.demo.rich.id, c.demo.foreign.id);
    // An order of the other partner's customer, waiting for a credit check
    // (it changes nothing yet).
    let foreign_sub = c
        .store
        .snapshot(other, foreign)
        .await
        .unwrap()
        .unwrap()
        .subscriptions[0]
        .clone();
    let foreign_admin = c
        .demo
        .data
        .partner_users
        .iter()
        .find(|u| u.partner_id == other)
        .unwrap()
        .clone();
    let mut waiting = new_order(&c.demo.other, &foreign_admin, &foreign_sub);
    waiting.state = OrderState::PendingCreditCheck;
    let waiting = Plan {
        order: waiting,
        effects: None,
        supersedes: None,
    };
    let (rich_key, foreign_key) = (
        c.plan.order.request_id.unwrap(),
        waiting.order.request_id.unwrap(),
    );

    let reads = optimistic
        .submission_reads(partner, &[(foreign, foreign_key), (rich, rich_key)])
        .await
        .unwrap();
    assert!(reads[0].is_none(), "not the partner's customer");
    assert_eq!(reads[1].as_ref().unwrap().snapshot.customer.id, rich);
    let rich_read = reads[1].clone().unwrap();
    let foreign_read = read_one(optimistic, other, foreign, foreign_key)
        .await
        .unwrap();

    // Another writer moves the rich customer on.
    let tx = c.store.lock_customer(partner, rich).await.unwrap().unwrap();
    tx.commit().await.unwrap();

    let rich_record = c.audit_record();
    let action = AuditAction::SubmitUpgrade;
    let foreign_record =
        audit::order_record(&c.caller, action, &waiting.order, AuditRecordId::new_v7());
    let orders = [
        OrderAtVersion {
            version: rich_read.version,
            plan: &c.plan,
            fingerprint: "fingerprint",
            audit: &rich_record,
        },
        OrderAtVersion {
            version: foreign_read.version,
            plan: &waiting,
            fingerprint: "fingerprint",
            audit: &foreign_record,
        },
    ];
    let written = optimistic.insert_orders_at_versions(&orders).await.unwrap();
    assert_eq!(written, vec![false, true]);
    assert_eq!(c.store.order(partner, c.plan.order.id).await.unwrap(), None);
    assert_eq!(
        c.store.order(other, waiting.order.id).await.unwrap(),
        Some(waiting.order.clone())
    );
    assert_eq!(
        read_one(optimistic, other, foreign, foreign_key)
            .await
            .unwrap()
            .key_use,
        Some(KeyUse {
            order: waiting.order.id,
            fingerprint: Some("fingerprint".into()),
        })
    );
}
