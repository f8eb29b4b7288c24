//! Upgrade orders. A write is an [`OrderTx`]: it starts by taking the
//! customer's lock, so everything read in it (the snapshot, the order, the
//! idempotency key) stays as read until it commits, and every order write of
//! a customer runs one after the other. The domain decides in between
//! (`crate::app::orders`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Page, PageRequest, Result, Tx};
use crate::domain::audit::AuditRecord;
use crate::domain::ids::{CustomerId, OrderId, PartnerId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::orders::{Plan, UpgradeOrder};

/// An order that already used an idempotency key, and the fingerprint of
/// the request that did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub order: OrderId,
    pub fingerprint: Option<String>,
}

/// How a decided order is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderWrite<'a> {
    /// A new order, under the idempotency key its plan holds and the
    /// fingerprint of the request that asked for it.
    New { fingerprint: &'a str },
    /// An existing order that had `previous_events` events: the plan's
    /// later events are added.
    Update { previous_events: usize },
}

/// A due scheduled order a runner claimed (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueOrder {
    pub partner: PartnerId,
    pub customer: CustomerId,
    pub order: OrderId,
}

/// Which orders a list returns; `None` matches every order of the partner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub customer: Option<CustomerId>,
    pub state: Option<crate::domain::model::OrderState>,
}

/// What a submission without the customer's lock decides on: the
/// customer's snapshot, the order that used the request's idempotency key
/// (if one did), and the customer's version, all as one statement read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRead {
    pub version: i64,
    pub key_use: Option<KeyUse>,
    pub snapshot: CustomerSnapshot,
}

/// Submissions without the customer's lock (Postgres). The customer's
/// version counts the writes of its rows, and every writer moves it on
/// (migration 0009), so a submission can read at a version, let the domain
/// decide, and write all it decided in one statement that first checks the
/// version has not moved. Two round trips where the locked path takes ten
/// (BENCHMARKS.md, issue 12); when another write came first, nothing is
/// written and the submission takes the lock.
#[async_trait]
pub trait OptimisticOrders: Send + Sync {
    /// The customer's snapshot, version and the use of `request_id`; `None`
    /// when the customer is not the partner's.
    /// What the submissions of `wanted` (a customer and the idempotency key
    /// of its submission each) decide on, read in one statement: one answer
    /// per item, in the same order; `None` for a customer that is not the
    /// partner's.
    async fn submission_reads(
        &self,
        partner: PartnerId,
        wanted: &[(CustomerId, Uuid)],
    ) -> Result<Vec<Option<SubmissionRead>>>;

    /// Writes new orders' plans (none superseding a scheduled order), each
    /// with its audit record, in one statement: each order if its customer
    /// is still at the version read, nothing of it when another write came
    /// first. One answer per order, in the same order: whether it was
    /// written. No two orders may be of the same customer (the second would
    /// be decided on a snapshot without the first).
    async fn insert_orders_at_versions(&self, orders: &[OrderAtVersion<'_>]) -> Result<Vec<bool>>;
}

/// A new order decided on the snapshot of its customer's `version`, for
/// [`OptimisticOrders::insert_orders_at_versions`].
#[derive(Debug, Clone, Copy)]
pub struct OrderAtVersion<'a> {
    pub version: i64,
    pub plan: &'a Plan,
    pub fingerprint: &'a str,
    pub audit: &'a AuditRecord,
}

#[async_trait]
pub trait OrderStore: Send + Sync {
    /// The lock-free submission path, on a backend that has one. SQLite has
    /// none: its single writer serializes writes anyway, and taking the
    /// lock there costs nothing measurable. (No default: a wrapper that
    /// forgot to pass it on would silently lose it.)
    fn optimistic(&self) -> Option<&dyn OptimisticOrders>;

    async fn order(&self, partner: PartnerId, order: OrderId) -> Result<Option<UpgradeOrder>>;

    /// The partner's orders matching `filter`, newest first; `None` when
    /// the filter names a customer that is not the partner's.
    async fn list_orders(
        &self,
        partner: PartnerId,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Option<Page<UpgradeOrder>>>;

    /// The order that used the partner's idempotency key, if one did.
    async fn key_use(&self, partner: PartnerId, request_id: Uuid) -> Result<Option<KeyUse>>;

    /// Starts a writing transaction holding the customer's lock; `None`
    /// when the customer is not the partner's.
    async fn lock_customer(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<Box<dyn OrderTx>>>;

    /// Claims for `runner`, until `lease_until`, at most `limit` scheduled
    /// orders due at `now` (oldest due first) that no runner holds a lease
    /// on, and returns them. The database arbitrates: on Postgres, runners
    /// skip the rows another is claiming (`FOR UPDATE SKIP LOCKED`); on
    /// SQLite, claims run one after the other under its single writer. A
    /// claim only shares out the work: running an order re-reads it under
    /// its customer's lock and runs it only while it is still `SCHEDULED`.
    async fn claim_due(
        &self,
        runner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueOrder>>;
}

/// A transaction that holds a customer's lock (see [`OrderStore::lock_customer`]).
#[async_trait]
pub trait OrderTx: Tx {
    /// The order that used the partner's idempotency key, if one did.
    async fn key_use(&mut self, partner: PartnerId, request_id: Uuid) -> Result<Option<KeyUse>>;

    async fn order(&mut self, partner: PartnerId, order: OrderId) -> Result<Option<UpgradeOrder>>;

    /// The customer's snapshot as this transaction sees it.
    async fn snapshot(
        &mut self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<CustomerSnapshot>>;

    /// Writes what the domain decided: the plan's effects (a target
    /// subscription, moved licenses, cancelled and re-attached
    /// subscriptions), the order and its new events.
    async fn write_order(&mut self, plan: &Plan, write: OrderWrite<'_>) -> Result<()>;
}
