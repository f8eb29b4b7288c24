//! Persistence. One trait, [`Store`], with a SQLite and a Postgres
//! implementation; the conformance suite in `tests/storage_conformance.rs`
//! runs the same cases against both. Storage never decides eligibility: it
//! loads what the domain asks for and writes what the domain decided.

mod error;
mod page;

use async_trait::async_trait;

pub use error::StorageError;
pub use page::{Page, PageRequest};

use crate::domain::dataset::ValidDataset;
use crate::domain::ids::{CustomerId, PartnerId, PartnerUserId};
use crate::domain::model::{Customer, CustomerSnapshot, Partner, PartnerUser, Subscription};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// What was written by an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub partners: usize,
    pub partner_users: usize,
    pub customers: usize,
    pub subscriptions: usize,
    pub customer_users: usize,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is (`sqlite` or `postgres`), for logs.
    fn backend(&self) -> &'static str;

    /// Cheap round trip to the database, for health.
    async fn ping(&self) -> Result<()>;

    /// True when no partner exists yet (first start: load the demo data).
    async fn is_empty(&self) -> Result<bool>;

    /// Writes a validated dataset in one transaction: all of it or nothing.
    /// An id that already exists in the database fails the whole import.
    async fn import(&self, dataset: &ValidDataset) -> Result<ImportSummary>;

    /// Whether the partner tenant exists.
    async fn partner_exists(&self, partner: PartnerId) -> Result<bool>;

    /// The partner tenant.
    async fn partner(&self, partner: PartnerId) -> Result<Option<Partner>>;

    /// A partner user by user principal name (case-insensitive), with roles;
    /// used by `csp-upgrades token --user`.
    async fn partner_user_by_upn(&self, upn: &str) -> Result<Option<PartnerUser>>;

    /// A partner user with their roles, read fresh from the database.
    async fn partner_user(
        &self,
        partner: PartnerId,
        user: PartnerUserId,
    ) -> Result<Option<PartnerUser>>;

    /// The partner's customers ordered by (name, id).
    async fn list_customers(
        &self,
        partner: PartnerId,
        page: &PageRequest,
    ) -> Result<Page<Customer>>;

    /// One customer of the partner; `None` for an unknown id or another
    /// partner's customer.
    async fn customer(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<Customer>>;

    /// A customer's subscriptions (all channels, add-ons included) ordered by
    /// (created_at, id). `None` when the customer is not the partner's.
    async fn list_subscriptions(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Option<Page<Subscription>>>;

    /// Everything the eligibility rules need about one customer, in a fixed
    /// number of queries whatever the number of subscriptions. `None` when
    /// the customer is not the partner's.
    async fn snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<CustomerSnapshot>>;
}
