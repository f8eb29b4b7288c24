//! The SQLite backend: one file, for development, tests and single-replica
//! installs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use uuid::Uuid;

use super::orders::{KeyUse, order_store};
use super::roles::role_store;
use super::sql_store::sql_store;
use super::{Result, StorageError};
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::model::CustomerSnapshot;

sql_store!(
    /// [`Store`](super::Store) on a SQLite file.
    SqliteStore {
        database: sqlx::Sqlite,
        connection: sqlx::SqliteConnection,
        backend: "sqlite",
        // Takes the write lock at once: a deferred transaction that later
        // needs it can fail with SQLITE_BUSY without waiting.
        begin_write: "BEGIN IMMEDIATE",
        analyze: super::sql::ANALYZE,
    }
);

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

order_store!(SqliteStore, sqlx::Sqlite, sqlx::SqliteConnection, begin_write: "BEGIN IMMEDIATE");
role_store!(SqliteStore, sqlx::SqliteConnection, begin_write: "BEGIN IMMEDIATE");

/// What differs from Postgres: a statement per table and per row, as SQLite
/// has no data-modifying CTEs and its round trips are hand-offs to the
/// connection's thread, not network.
impl SqliteStore {
    /// A submission. SQLite has one writer at a time, so the locked path
    /// (`BEGIN IMMEDIATE`) costs no more than an optimistic one would.
    async fn submit_first(
        &self,
        order: super::orders::NewOrder<'_>,
    ) -> Result<super::orders::Submission> {
        self.submit_once(order).await
    }

    /// A consistent snapshot outside any other transaction.
    async fn read_snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<CustomerSnapshot>> {
        let mut tx = self.pool.begin_with("BEGIN").await?;
        let snapshot = Self::snapshot_on(&mut tx, partner, customer, None).await?;
        tx.commit().await?;
        Ok(snapshot.map(|(snapshot, _)| snapshot))
    }

    /// [`Store::snapshot`](super::Store::snapshot) on `conn` (inside the
    /// writing transaction of an order), with the order that used the
    /// idempotency key `key`, if one did.
    async fn snapshot_on(
        conn: &mut sqlx::SqliteConnection,
        partner: PartnerId,
        customer: CustomerId,
        key: Option<Uuid>,
    ) -> Result<Option<(CustomerSnapshot, Option<KeyUse>)>> {
        use super::{order_sql, rows, sql};
        let used = match key {
            None => None,
            Some(key) => sqlx::query_as::<_, (Uuid, Option<String>)>(order_sql::ORDER_BY_KEY)
                .bind(partner.0)
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?
                .map(|(order, fingerprint)| KeyUse { order, fingerprint }),
        };
        let Some(found) = Self::customer_on(&mut *conn, partner, customer).await? else {
            return Ok(None);
        };
        let subscriptions = sqlx::query_as::<_, rows::SubscriptionRow>(sql::SUBSCRIPTIONS_ALL)
            .bind(customer.0)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(rows::SubscriptionRow::into_domain)
            .collect::<Result<_>>()?;
        let users = rows::users_from_rows(
            sqlx::query_as::<_, rows::UserLicenseRow>(sql::USERS_WITH_LICENSES)
                .bind(customer.0)
                .fetch_all(&mut *conn)
                .await?,
        )?;
        let open_orders = sqlx::query_as::<_, rows::OrderSummaryRow>(sql::OPEN_ORDERS)
            .bind(customer.0)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(rows::OrderSummaryRow::into_domain)
            .collect::<Result<_>>()?;
        let snapshot = CustomerSnapshot {
            customer: found,
            subscriptions,
            users,
            open_orders,
        };
        Ok(Some((snapshot, used)))
    }

    /// Writes a decided order: its effects, the order (inserted, or updated
    /// past its `previous_events`), its new events and its audit record.
    async fn write_plan(
        conn: &mut sqlx::SqliteConnection,
        plan: &crate::domain::orders::Plan,
        previous_events: usize,
        fingerprint: Option<&str>,
        audit: &crate::storage::orders::OrderAudit<'_>,
    ) -> crate::storage::Result<()> {
        use crate::storage::order_sql as sql;
        use crate::storage::rows::stored_time;
        let o = &plan.order;
        let customer = o.customer_id.0;
        if let Some(e) = &plan.effects {
            let t = &e.target;
            super::sql::bind_subscription_columns!(sqlx::query(super::sql::INSERT_SUBSCRIPTION), t)
                .execute(&mut *conn)
                .await?;
            if e.move_licenses {
                sqlx::query(sql::MOVE_LICENSES)
                    .bind(customer)
                    .bind(e.source.0)
                    .bind(t.id.0)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(sql::CLEAR_SEATS)
                    .bind(customer)
                    .bind(e.source.0)
                    .execute(&mut *conn)
                    .await?;
            }
            for id in &e.cancel {
                sqlx::query(sql::CANCEL_SUBSCRIPTION)
                    .bind(customer)
                    .bind(id.0)
                    .execute(&mut *conn)
                    .await?;
            }
            for id in &e.reattach {
                sqlx::query(sql::REATTACH_ADD_ON)
                    .bind(customer)
                    .bind(id.0)
                    .bind(t.id.0)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        if previous_events == 0 {
            super::order_sql::bind_order_columns!(sqlx::query(sql::INSERT_ORDER), o, fingerprint)
                .execute(&mut *conn)
                .await?;
        } else {
            let report = serde_json::to_string(&o.migration_report).expect("report serializes");
            let dropped = serde_json::to_string(&o.dropped_add_ons).expect("refs serialize");
            let credit = o.prorated_credit.as_ref();
            sqlx::query(sql::UPDATE_ORDER)
                .bind(o.id.0)
                .bind(o.state.as_str())
                .bind(o.outcome().as_str())
                .bind(o.target_subscription_id.map(|t| t.0))
                .bind(report)
                .bind(o.moved_user_count)
                .bind(dropped)
                .bind(credit.map(|c| c.amount.to_string()))
                .bind(credit.map(|c| c.currency.as_str()))
                .bind(stored_time(o.updated_at))
                .execute(&mut *conn)
                .await?;
        }
        for e in &o.events[previous_events.min(o.events.len())..] {
            sqlx::query(crate::storage::sql::INSERT_ORDER_EVENT)
                .bind(o.id.0)
                .bind(e.seq)
                .bind(e.state.as_str())
                .bind(stored_time(e.at))
                .bind(e.note.as_str())
                .execute(&mut *conn)
                .await?;
        }
        let record = crate::domain::audit::order_record(audit.caller, audit.action, o, audit.id);
        Self::insert_audit_on(&mut *conn, &record).await?;
        Ok(())
    }
}

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows a connection's worker thread may send ahead of the reader.
const ROW_BUFFER_SIZE: usize = 1024;

/// How long a connection waits for another's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl SqliteStore {
    /// The embedded database has one serving process: its own writes are all
    /// there is to hear, and the cache sees those directly.
    fn feed(
        _pool: &sqlx::SqlitePool,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<super::changes::FeedEvent>> {
        None
    }

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
        Ok(SqliteStore {
            pool,
            announcer: super::changes::Announcer::none(),
        })
    }
}
