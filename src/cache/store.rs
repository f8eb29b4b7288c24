//! [`CachedStore`]: the store the handlers use. Reads that every call makes
//! go through the [`Cache`]; every write goes to the database and then drops
//! what it touched, before the call that wrote answers, so this replica
//! reads its own writes.

use std::sync::Arc;

use async_trait::async_trait;

use super::Cache;
use crate::domain::audit::{AuditRecord, RoleChange};
use crate::domain::dataset::ValidDataset;
use crate::domain::ids::{CustomerId, OrderId, PartnerId, PartnerUserId};
use crate::domain::model::{Customer, CustomerSnapshot, Partner, PartnerUser, Subscription};
use crate::domain::orders::{Refusal, UpgradeOrder};
use crate::storage::changes::{Change, FeedEvent};
use crate::storage::orders::{DecidePending, NewOrder, OrderAudit, OrderStore, Submission};
use crate::storage::roles::{RoleChangeOutcome, RoleStore, TimeRange};
use crate::storage::{ImportSummary, Page, PageRequest, PoolStats, Result, Store};

pub struct CachedStore {
    inner: Arc<dyn Store>,
    cache: Arc<Cache>,
}

impl CachedStore {
    /// Wraps `inner`; with a change feed (Postgres), follows it in a task of
    /// its own, and caches nothing until the feed is up.
    pub fn new(inner: Arc<dyn Store>, options: super::CacheOptions) -> Self {
        let feed = inner.change_feed();
        let cache = Arc::new(Cache::new(options, feed.is_none()));
        if let Some(feed) = feed {
            tokio::spawn(Cache::follow(Arc::downgrade(&cache), feed));
        }
        CachedStore { inner, cache }
    }
}

#[async_trait]
impl Store for CachedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }

    fn pool_stats(&self) -> PoolStats {
        self.inner.pool_stats()
    }

    async fn is_empty(&self) -> Result<bool> {
        self.inner.is_empty().await
    }

    async fn import(&self, dataset: &ValidDataset) -> Result<ImportSummary> {
        let result = self.inner.import(dataset).await;
        self.cache.changed(Change::Everything);
        result
    }

    async fn partner(&self, partner: PartnerId) -> Result<Option<Partner>> {
        self.inner.partner(partner).await
    }

    async fn partner_exists(&self, partner: PartnerId) -> Result<bool> {
        self.cache
            .partner_exists(partner, self.inner.partner_exists(partner))
            .await
    }

    async fn partner_user_by_upn(&self, upn: &str) -> Result<Option<PartnerUser>> {
        self.inner.partner_user_by_upn(upn).await
    }

    async fn partner_user(
        &self,
        partner: PartnerId,
        user: PartnerUserId,
    ) -> Result<Option<PartnerUser>> {
        self.cache
            .partner_user(partner, user, self.inner.partner_user(partner, user))
            .await
    }

    async fn list_customers(
        &self,
        partner: PartnerId,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        self.inner.list_customers(partner, page).await
    }

    async fn customer(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<Customer>> {
        self.inner.customer(partner, customer).await
    }

    async fn list_subscriptions(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Option<Page<Subscription>>> {
        self.inner.list_subscriptions(partner, customer, page).await
    }

    async fn snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<Arc<CustomerSnapshot>>> {
        self.cache
            .snapshot(partner, customer, self.inner.snapshot(partner, customer))
            .await
    }

    /// The feed is this store's to follow; nobody above needs it.
    fn change_feed(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<FeedEvent>> {
        None
    }
}

#[async_trait]
impl OrderStore for CachedStore {
    async fn submit_order(&self, order: NewOrder<'_>) -> Result<Submission> {
        let result = self.inner.submit_order(order).await;
        self.cache.changed(Change::Customer(order.customer));
        result
    }

    async fn resolve_order(
        &self,
        partner: PartnerId,
        order: OrderId,
        audit: &OrderAudit<'_>,
        decide: &DecidePending<'_>,
    ) -> Result<Option<std::result::Result<UpgradeOrder, Refusal>>> {
        let result = self
            .inner
            .resolve_order(partner, order, audit, decide)
            .await;
        // The customer is known only from a resolved order; otherwise drop
        // everything (a rare path: a refused or failed resolution).
        let change = match &result {
            Ok(Some(Ok(o))) => Change::Customer(o.customer_id),
            _ => Change::Everything,
        };
        self.cache.changed(change);
        result
    }

    async fn order(&self, partner: PartnerId, order: OrderId) -> Result<Option<UpgradeOrder>> {
        self.inner.order(partner, order).await
    }

    async fn list_orders(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Option<Page<UpgradeOrder>>> {
        self.inner.list_orders(partner, customer, page).await
    }
}

#[async_trait]
impl RoleStore for CachedStore {
    async fn list_partner_users(
        &self,
        partner: PartnerId,
        page: &PageRequest,
    ) -> Result<Page<PartnerUser>> {
        self.inner.list_partner_users(partner, page).await
    }

    async fn change_role(&self, change: &RoleChange) -> Result<RoleChangeOutcome> {
        let result = self.inner.change_role(change).await;
        self.cache.changed(Change::PartnerUser(change.user));
        result
    }

    async fn record_audit(&self, record: &AuditRecord) -> Result<()> {
        self.inner.record_audit(record).await
    }

    async fn list_audit_records(
        &self,
        partner: PartnerId,
        range: &TimeRange,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>> {
        self.inner.list_audit_records(partner, range, page).await
    }
}
