//! [`CachedStore`]: the store the handlers read through. The reads every
//! call makes (the caller's roles, whether a partner exists, customer
//! snapshots) go through the [`Cache`]; everything else, writes included,
//! goes straight to the store. Writes drop what they touched through the
//! change bus (`crate::app::bus`), which the cache listens to.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Cache;
use crate::domain::audit::AuditRecord;
use crate::domain::dataset::ValidDataset;
use crate::domain::ids::{CustomerId, OrderId, PartnerId, PartnerUserId, SubscriptionId};
use crate::domain::model::{Customer, CustomerSnapshot, Partner, PartnerUser};
use crate::domain::orders::UpgradeOrder;
use crate::storage::changes::FeedEvent;
use crate::storage::{
    CustomerFilter, Directory, DueOrder, ImportSummary, KeyUse, OptimisticOrders, OrderFilter,
    OrderStore, OrderTx, Page, PageRequest, PoolStats, Result, RoleStore, RoleTx, Store,
    SubscriptionFilter, SubscriptionPage, SyncStore, SyncTx, TimeRange,
};

pub struct CachedStore {
    inner: Arc<dyn Store>,
    cache: Arc<Cache>,
}

impl CachedStore {
    pub fn new(inner: Arc<dyn Store>, cache: Arc<Cache>) -> Self {
        CachedStore { inner, cache }
    }
}

#[async_trait]
impl Directory for CachedStore {
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

    async fn list_partner_users(
        &self,
        partner: PartnerId,
        page: &PageRequest,
    ) -> Result<Page<PartnerUser>> {
        self.inner.list_partner_users(partner, page).await
    }

    async fn list_customers(
        &self,
        partner: PartnerId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        self.inner.list_customers(partner, filter, page).await
    }

    async fn customer_size(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<u64>> {
        self.inner.customer_size(partner, customer).await
    }

    fn cached_snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Option<Arc<CustomerSnapshot>> {
        self.cache.cached_snapshot(partner, customer)
    }

    async fn customer_sizes(
        &self,
        partner: PartnerId,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<(CustomerId, u64)>> {
        self.inner.customer_sizes(partner, after, limit).await
    }

    async fn customer(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<Customer>> {
        self.inner.customer(partner, customer).await
    }

    async fn snapshots_between(
        &self,
        partner: PartnerId,
        first: CustomerId,
        last: CustomerId,
    ) -> Result<Vec<CustomerSnapshot>> {
        self.inner.snapshots_between(partner, first, last).await
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

    /// Not cached: a page is a few queries that read what it shows.
    async fn subscription_page(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        filter: &SubscriptionFilter,
        after: Option<(DateTime<Utc>, SubscriptionId)>,
        limit: u32,
    ) -> Result<Option<SubscriptionPage>> {
        self.inner
            .subscription_page(partner, customer, filter, after, limit)
            .await
    }
}

#[async_trait]
impl OrderStore for CachedStore {
    fn optimistic(&self) -> Option<&dyn OptimisticOrders> {
        self.inner.optimistic()
    }

    async fn order(&self, partner: PartnerId, order: OrderId) -> Result<Option<UpgradeOrder>> {
        self.inner.order(partner, order).await
    }

    async fn list_orders(
        &self,
        partner: PartnerId,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Option<Page<UpgradeOrder>>> {
        self.inner.list_orders(partner, filter, page).await
    }

    async fn key_use(&self, partner: PartnerId, request_id: Uuid) -> Result<Option<KeyUse>> {
        self.inner.key_use(partner, request_id).await
    }

    async fn lock_customer(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<Box<dyn OrderTx>>> {
        self.inner.lock_customer(partner, customer).await
    }

    async fn claim_due(
        &self,
        runner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueOrder>> {
        self.inner.claim_due(runner, now, lease_until, limit).await
    }
}

#[async_trait]
impl RoleStore for CachedStore {
    async fn lock_partner(&self, partner: PartnerId) -> Result<Box<dyn RoleTx>> {
        self.inner.lock_partner(partner).await
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

#[async_trait]
impl SyncStore for CachedStore {
    async fn lock_partner_data(&self, partner: PartnerId) -> Result<Option<Box<dyn SyncTx>>> {
        self.inner.lock_partner_data(partner).await
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
        self.inner.import(dataset).await
    }

    async fn record_audit(&self, record: &AuditRecord) -> Result<()> {
        self.inner.record_audit(record).await
    }

    /// The bus follows the inner store's feed; nobody above needs it.
    fn change_feed(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<FeedEvent>> {
        None
    }
}
