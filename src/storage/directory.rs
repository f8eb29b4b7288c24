//! Partners, their users and customers: what every call reads.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Page, PageRequest, Result};
use crate::domain::eligibility::HintSlice;
use crate::domain::ids::{CustomerId, OfferId, PartnerId, PartnerUserId, SubscriptionId};
use crate::domain::model::{
    Customer, CustomerSnapshot, Partner, PartnerUser, Subscription, SubscriptionStatus,
};

/// Which customers a list returns; `None` matches every customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// The name starts with this, ignoring the case of ASCII letters.
    pub name_prefix: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
}

/// Which of a customer's subscriptions a page holds; `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionFilter {
    pub status: Option<SubscriptionStatus>,
    pub offer: Option<OfferId>,
}

/// A page of a customer's subscriptions, with what their "Upgrade now" hint
/// needs of the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionPage {
    /// In (created_at, id) order.
    pub subscriptions: Vec<Subscription>,
    /// Holds the page's subscriptions too.
    pub slice: HintSlice,
}

#[async_trait]
pub trait Directory: Send + Sync {
    /// The partner tenant, if it exists.
    async fn partner(&self, partner: PartnerId) -> Result<Option<Partner>>;

    /// Whether the partner tenant exists.
    async fn partner_exists(&self, partner: PartnerId) -> Result<bool>;

    /// A partner user by user principal name (case-insensitive), with roles;
    /// used by `csp-upgrades token --user`.
    async fn partner_user_by_upn(&self, upn: &str) -> Result<Option<PartnerUser>>;

    /// A partner user with their roles, read fresh from the database. UPNs
    /// are stored lower-cased.
    async fn partner_user(
        &self,
        partner: PartnerId,
        user: PartnerUserId,
    ) -> Result<Option<PartnerUser>>;

    /// The partner's users with their roles, ordered by (upn, id).
    async fn list_partner_users(
        &self,
        partner: PartnerId,
        page: &PageRequest,
    ) -> Result<Page<PartnerUser>>;

    /// The partner's customers matching `filter`, ordered by (name, id).
    async fn list_customers(
        &self,
        partner: PartnerId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>>;

    /// Up to `limit` of the partner's customer ids past `after` (from the
    /// first when `None`), in id order, each with its number of
    /// subscriptions: the whole-partner eligibility stream reads the partner
    /// in such batches, never all of it at once, and cuts a batch short
    /// where its customers are big.
    async fn customer_sizes(
        &self,
        partner: PartnerId,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<(CustomerId, u64)>>;

    /// The snapshots of the partner's customers whose ids lie in
    /// `first..=last` (bounds from [`customer_sizes`](Self::customer_sizes)), in
    /// id order, each as [`snapshot`](Self::snapshot) reads it, all read at
    /// one moment in a fixed number of queries: the whole-partner stream's
    /// batch costs one round of queries, not one per customer. Never cached
    /// (the stream reads each customer once).
    async fn snapshots_between(
        &self,
        partner: PartnerId,
        first: CustomerId,
        last: CustomerId,
    ) -> Result<Vec<CustomerSnapshot>>;

    /// One customer of the partner; `None` for an unknown id or another
    /// partner's customer.
    async fn customer(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<Customer>>;

    /// Everything the eligibility rules need about one customer, in a fixed
    /// number of queries whatever the number of subscriptions, read at one
    /// moment. `None` when the customer is not the partner's. Shared: a
    /// cache may hand the same snapshot to many callers.
    async fn snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<Arc<CustomerSnapshot>>>;

    /// How many subscriptions the customer has; `None` when the customer is
    /// not the partner's.
    async fn customer_size(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<u64>>;

    /// The customer's snapshot if a cache in front of the store holds a
    /// fresh one, without reading the database: for a read with a cheaper
    /// way than the whole customer when it is not cached. A store without a
    /// cache has none.
    fn cached_snapshot(
        &self,
        _partner: PartnerId,
        _customer: CustomerId,
    ) -> Option<Arc<CustomerSnapshot>> {
        None
    }

    /// At most `limit` of the customer's subscriptions in (created_at, id)
    /// order, past `after`, that `filter` matches, and the slice of the
    /// customer their hint needs (`domain::eligibility::HintSlice`), read at
    /// one moment in a fixed number of queries: a page of a customer of any
    /// size reads the page, not the customer. `None` when the customer is
    /// not the partner's.
    async fn subscription_page(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        filter: &SubscriptionFilter,
        after: Option<(DateTime<Utc>, SubscriptionId)>,
        limit: u32,
    ) -> Result<Option<SubscriptionPage>>;
}
