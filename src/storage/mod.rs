//! Persistence. One trait, [`Store`], with a SQLite and a Postgres
//! implementation; the conformance suite in `tests/storage_conformance.rs`
//! runs the same cases against both. Storage never decides eligibility: it
//! loads what the domain asks for and writes what the domain decided.

//!
//! Timestamps are kept to the microsecond on both backends.

pub mod changes;
mod error;
mod order_rows;
mod order_sql;
pub mod orders;
mod page;
mod pg_sql;
mod postgres;
mod role_sql;
pub mod roles;
mod rows;
mod sql;
mod sql_store;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use error::StorageError;
pub use page::{Page, PageRequest};
pub use postgres::PgStore;
pub use roles::{RoleChangeOutcome, RoleStore, TimeRange};
pub use sqlite::SqliteStore;

use crate::domain::dataset::ValidDataset;
use crate::domain::ids::{CustomerId, PartnerId, PartnerUserId};
use crate::domain::model::{Customer, CustomerSnapshot, Partner, PartnerUser, Subscription};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Connections of the database pool, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections in use.
    pub active: u32,
    /// Open connections waiting for work.
    pub idle: u32,
}

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
pub trait Store: orders::OrderStore + roles::RoleStore + Send + Sync + 'static {
    /// Which backend this is (`sqlite` or `postgres`), for logs.
    fn backend(&self) -> &'static str;

    /// Cheap round trip to the database, for health.
    async fn ping(&self) -> Result<()>;

    /// The pool's connections right now (no database round trip).
    fn pool_stats(&self) -> PoolStats;

    /// True when no partner exists yet (first start: load the demo data).
    async fn is_empty(&self) -> Result<bool>;

    /// Writes a validated dataset in one transaction: all of it or nothing.
    /// An id that already exists in the database fails the whole import.
    async fn import(&self, dataset: &ValidDataset) -> Result<ImportSummary>;

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
    /// the customer is not the partner's. Shared: a cache may hand the same
    /// snapshot to many callers.
    async fn snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<Arc<CustomerSnapshot>>>;

    /// Writes by other processes, as they commit; `None` when this backend
    /// has no other writers to hear from (the embedded database).
    fn change_feed(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<changes::FeedEvent>>;
}

/// Opens the database the URL names (`sqlite:`, `postgres:` or
/// `postgresql:`) and brings its schema up to date.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    Ok(match scheme {
        "sqlite" => Arc::new(SqliteStore::connect(url).await?),
        "postgres" | "postgresql" => Arc::new(PgStore::connect(url).await?),
        // Only the scheme: the rest of the URL may hold a password.
        other => {
            return Err(StorageError::Database(sqlx::Error::Configuration(
                format!("unsupported database URL scheme {other:?}: use sqlite: or postgres:")
                    .into(),
            )));
        }
    })
}

/// The URL with any password replaced, fit for logs.
pub fn redacted(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Ok(mut parsed) = url::Url::parse(url) else {
        // Cannot tell where a password would be: show nothing of it.
        return "<unparseable database URL>".to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some(HIDDEN));
    }
    let is_password = |k: &str| k.eq_ignore_ascii_case("password");
    if parsed.query_pairs().any(|(k, _)| is_password(&k)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_password(&k) {
                    HIDDEN.into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_are_hidden_everything_else_kept() {
        assert_eq!(
            redacted("postgres://app:s3cret@db.internal:5432/csp?sslmode=require"),
            "postgres://app:***@db.internal:5432/csp?sslmode=require"
        );
        assert_eq!(
            redacted("postgresql://app@db/csp?password=s3cret&sslmode=disable"),
            "postgresql://app@db/csp?password=***&sslmode=disable"
        );
        assert_eq!(redacted("sqlite:data/csp.db"), "sqlite:data/csp.db");
        assert_eq!(redacted("sqlite::memory:"), "sqlite::memory:");
        assert!(!redacted("not a url s3cret").contains("s3cret"));
    }
}
