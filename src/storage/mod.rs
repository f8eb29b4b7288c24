//! Persistence: a typed trait per aggregate ([`Directory`] for partners,
//! their users and customers, [`OrderStore`] for upgrade orders,
//! [`RoleStore`] for roles and the audit log, [`SyncStore`] for applying a
//! partner's export), each written out in plain
//! Rust once per backend (`sqlite/`, `postgres/`), with the SQL in `.sql`
//! files (`sql/` when both backends run the same text, `postgres/sql/`
//! when only Postgres does) and rows decoded by column name (`rows/`).
//! `tests/storage_conformance.rs` runs the same cases against both.
//!
//! Storage never decides: a write is a transaction ([`OrderTx`],
//! [`RoleTx`], [`SyncTx`]) that the use-case layer (`crate::app`) opens, reads in,
//! asks the domain about, writes what was decided into and commits.
//!
//! Timestamps are kept to the microsecond on both backends.

pub mod changes;
mod directory;
mod error;
mod import;
mod orders;
mod page;
mod postgres;
mod probe;
mod roles;
mod rows;
mod sqlite;
mod sync;

use std::sync::Arc;

use async_trait::async_trait;

pub use directory::{CustomerFilter, Directory, SubscriptionFilter, SubscriptionPage};
pub use error::StorageError;
pub use orders::{
    DueOrder, KeyUse, OptimisticOrders, OrderAtVersion, OrderFilter, OrderStore, OrderTx,
    OrderWrite, SubmissionRead,
};
pub use page::{Page, PageRequest};
pub use postgres::PgStore;
pub use probe::Probe;
pub use roles::{RoleStore, RoleTx, TimeRange};
pub use sqlite::SqliteStore;
pub use sync::{SyncStore, SyncTx};

use crate::domain::audit::AuditRecord;
use crate::domain::dataset::ValidDataset;

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

/// Every aggregate's store, and what concerns the database as a whole.
#[async_trait]
pub trait Store: Directory + OrderStore + RoleStore + SyncStore + Send + Sync + 'static {
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

    /// Writes one audit record in a transaction of its own (a refusal
    /// decided before any transaction began).
    async fn record_audit(&self, record: &AuditRecord) -> Result<()>;

    /// Writes by other processes, as they commit; `None` when this backend
    /// has no other writers to hear from (the embedded database).
    fn change_feed(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<changes::FeedEvent>>;
}

/// What every write transaction can do besides its aggregate's own writes.
#[async_trait]
pub trait Tx: Send {
    /// Writes an audit record the caller built.
    async fn insert_audit(&mut self, record: &AuditRecord) -> Result<()>;

    /// Commits; dropping a transaction instead rolls it back.
    async fn commit(self: Box<Self>) -> Result<()>;
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
    use crate::domain::audit::AuditAction;
    use crate::domain::model::OrderState;

    #[test]
    fn the_open_orders_queries_list_exactly_the_states_not_ended() {
        for sql in [
            include_str!("sql/open_orders.sql"),
            include_str!("sqlite/sql/open_orders_between.sql"),
            include_str!("../../migrations/postgres/0012_customer_snapshots_view.sql"),
        ] {
            for state in OrderState::ALL {
                let listed = sql.contains(&format!("'{}'", state.as_str()));
                assert_eq!(listed, !state.is_final(), "{state}");
            }
        }
    }

    #[test]
    fn the_audit_listing_shows_exactly_the_audit_actions() {
        for sql in [
            include_str!("sql/audit_first.sql"),
            include_str!("sql/audit_after.sql"),
        ] {
            for action in AuditAction::ALL {
                assert!(sql.contains(&format!("'{}'", action.as_str())));
            }
            assert_eq!(
                sql.matches('\'').count(),
                2 * AuditAction::ALL.len(),
                "no other quoted action"
            );
        }
    }

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
