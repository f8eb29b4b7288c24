//! The Postgres backend, for replicated installs. Writes of one customer
//! (or one partner's roles) run one after the other through a row lock on
//! the customer (partner) taken first in their transaction; every write of
//! what replicas cache is announced inside its transaction by the triggers
//! of migrations 0004 and 0006 (see `storage::changes`).

mod directory;
mod import;
mod optimistic;
mod orders;
mod roles;
mod subscription_page;
mod sync;
mod write;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

use super::changes::FeedEvent;
use super::rows::{INSERT_AUDIT, bind_audit};
use super::{ImportSummary, PoolStats, Result, Store, Tx};
use crate::domain::audit::AuditRecord;
use crate::domain::dataset::ValidDataset;

/// [`Store`] on a Postgres database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// A writing transaction; what it locks, it locks with its first statement.
pub(super) struct PgTx(Transaction<'static, Postgres>);

impl PgStore {
    async fn begin_write(&self) -> Result<PgTx> {
        Ok(PgTx(self.pool.begin().await?))
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        let size = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle())
            .unwrap_or(u32::MAX)
            .min(size);
        PoolStats {
            active: size - idle,
            idle,
        }
    }

    async fn is_empty(&self) -> Result<bool> {
        Ok(
            sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM partners)")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn import(&self, dataset: &ValidDataset) -> Result<ImportSummary> {
        let mut tx = self.begin_write().await?;
        let summary = import::import_on(&mut tx.0, dataset).await?;
        Box::new(tx).commit().await?;
        // A bulk load leaves the planner's statistics describing the tables
        // as they were, until autovacuum comes by: measured, the first
        // minute after an import ran snapshot queries 8x slower
        // (BENCHMARKS.md).
        sqlx::query(include_str!("sql/analyze_filled.sql"))
            .execute(&self.pool)
            .await?;
        Ok(summary)
    }

    async fn record_audit(&self, record: &AuditRecord) -> Result<()> {
        let mut tx = self.begin_write().await?;
        tx.insert_audit(record).await?;
        Box::new(tx).commit().await
    }

    /// Other replicas' (and imports', and hand-written SQL's) writes, heard
    /// through LISTEN.
    fn change_feed(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<FeedEvent>> {
        Some(super::changes::listen(&self.pool))
    }
}

#[async_trait]
impl Tx for PgTx {
    async fn insert_audit(&mut self, record: &AuditRecord) -> Result<()> {
        bind_audit(sqlx::query(&INSERT_AUDIT), record)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.0.commit().await?;
        Ok(())
    }
}

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// A pooled connection idle for this long is pinged before use.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

impl PgStore {
    /// Connects and migrates. sqlx's migrator holds a Postgres advisory lock
    /// while it runs, so replicas starting together migrate exactly once.
    pub async fn connect(url: &str) -> Result<Self> {
        // Generic plans: every statement here is prepared once per
        // connection and run with ids bound, where a plan made for the
        // values bound is never better, but Postgres kept re-planning some
        // (the snapshot's id range, the submission's JSON rows) on every
        // call. Measured: planning was 12% of Postgres' work per
        // submission (BENCHMARKS.md, issue 12).
        let options =
            PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_generic_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            // sqlx pings every connection it hands out by default: one more
            // round trip per call (measured: 5.5% of the server's CPU under
            // the submission load). A connection that was in use a moment
            // ago is not pinged; one idle for longer (when a database restart
            // would have gone unnoticed) still is.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_WHEN_IDLE_FOR {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .idle_timeout(Some(Duration::from_secs(600)))
            .max_lifetime(Some(Duration::from_secs(1800)))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PgStore { pool })
    }
}
