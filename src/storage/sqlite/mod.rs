//! The SQLite backend: one file, for development, tests and single-replica
//! installs. One writer at a time: every write transaction starts with
//! `BEGIN IMMEDIATE`, which takes the database's write lock at once (a
//! deferred transaction that later needs it can fail with SQLITE_BUSY
//! without waiting), so it is also every customer's and partner's lock.

mod directory;
mod import;
mod orders;
mod roles;
mod subscription_page;
mod sync;
mod write;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use super::changes::FeedEvent;
use super::rows::{INSERT_AUDIT, bind_audit};
use super::{ImportSummary, PoolStats, Result, StorageError, Store, Tx};
use crate::domain::audit::AuditRecord;
use crate::domain::dataset::ValidDataset;

/// [`Store`] on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// A writing transaction: it holds the database's write lock.
pub(super) struct SqliteTx(Transaction<'static, Sqlite>);

impl SqliteStore {
    async fn begin_write(&self) -> Result<SqliteTx> {
        Ok(SqliteTx(self.pool.begin_with("BEGIN IMMEDIATE").await?))
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
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
        // The planner's statistics describe the tables as they were.
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(summary)
    }

    async fn record_audit(&self, record: &AuditRecord) -> Result<()> {
        let mut tx = self.begin_write().await?;
        tx.insert_audit(record).await?;
        Box::new(tx).commit().await
    }

    /// The embedded database has one serving process: its own writes are all
    /// there is to hear, and it hears those directly.
    fn change_feed(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<FeedEvent>> {
        None
    }
}

#[async_trait]
impl Tx for SqliteTx {
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

/// SQLITE_BUSY / SQLITE_LOCKED, in their primary or extended forms.
fn is_busy(e: &StorageError) -> bool {
    let db = match e {
        StorageError::Database(sqlx::Error::Database(db))
        | StorageError::Unavailable(sqlx::Error::Database(db)) => db,
        StorageError::Migrate(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db))) => {
            db
        }
        _ => return false,
    };
    db.code()
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows a connection's worker thread may send ahead of the reader.
const ROW_BUFFER_SIZE: usize = 1024;

/// How long a connection waits for another's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl SqliteStore {
    /// Opens (creating it and its folder if need be) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self> {
        use backon::{ExponentialBuilder, Retryable};
        // Processes opening a brand-new file together can deadlock: one
        // migrates under BEGIN IMMEDIATE while another's first
        // `journal_mode = WAL` waits for it, and each holds what the other
        // needs until the busy timeout gives up. Opening again resolves it
        // (the file is in WAL mode by then), so retry on SQLITE_BUSY.
        (|| Self::connect_once(url))
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(20))
                    .with_jitter()
                    .with_max_times(6),
            )
            .when(is_busy)
            .await
    }

    async fn connect_once(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // Rows travel from the connection's worker thread in a bounded
            // channel; at sqlx's 50 a snapshot of 1,000 subscriptions and
            // their users stalls the worker dozens of times (BENCHMARKS.md).
            .row_buffer_size(ROW_BUFFER_SIZE);
        // An in-memory database lives only as long as a connection to it, and
        // connections would not share it through WAL: one connection, kept.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool_options = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            if let Some(dir) = options
                .get_filename()
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| StorageError::Unavailable(sqlx::Error::Io(e)))?;
            }
            SqlitePoolOptions::new().max_connections(8)
        };
        let pool = pool_options
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        // sqlx takes no lock to migrate SQLite; an immediate transaction
        // around the whole run holds the write lock, so processes starting
        // together wait for the first and then find nothing left to do.
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        MIGRATOR.run_direct(&mut *tx).await?;
        tx.commit().await?;
        Ok(SqliteStore { pool })
    }
}
