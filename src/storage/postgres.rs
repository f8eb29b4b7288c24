//! The Postgres backend, for replicated installs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

use super::Result;
use super::changes::Change;
use super::orders::{KeyUse, NewOrder, OrderAudit, Submission, order_store};
use super::roles::role_store;
use super::rows::stored_time;
use super::sql_store::sql_store;
use super::{pg_sql, rows};
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::orders::Plan;

sql_store!(
    /// [`Store`](super::Store) on a Postgres database.
    PgStore {
        database: sqlx::Postgres,
        connection: sqlx::PgConnection,
        backend: "postgres",
        begin_write: "BEGIN",
        analyze: pg_sql::ANALYZE_FILLED,
    }
);

// Submissions and approvals announce themselves after the commit (see
// `changes::Announcer`); their triggers stay quiet.
order_store!(PgStore, sqlx::Postgres, sqlx::PgConnection,
    begin_write: "BEGIN; SET LOCAL csp.announce = 'after-commit'");
role_store!(PgStore, sqlx::PgConnection, begin_write: "BEGIN");

/// How an order's write is made safe against a concurrent one.
#[derive(Debug, Clone, Copy)]
enum Write {
    /// The transaction holds the customer's lock.
    Locked,
    /// Its own transaction, unless the customer's row is no longer the
    /// version of the snapshot the order was decided on.
    Unless { changed_since: i64 },
}

/// What differs from SQLite: one statement for a snapshot, one for an
/// order's writes, each a single round trip.
impl PgStore {
    /// One statement reads one moment: no read transaction (and none of its
    /// `BEGIN` and `COMMIT` round trips) is needed.
    async fn read_snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<CustomerSnapshot>> {
        let mut conn = self.pool.acquire().await?;
        let read = Self::read_on(&mut conn, partner, customer, None).await?;
        Ok(read.map(|read| read.snapshot))
    }

    /// [`Store::snapshot`](super::Store::snapshot) on `conn` (inside the
    /// writing transaction of an order), with the order that used the
    /// idempotency key `key`, if one did.
    async fn snapshot_on(
        conn: &mut sqlx::PgConnection,
        partner: PartnerId,
        customer: CustomerId,
        key: Option<Uuid>,
    ) -> Result<Option<(CustomerSnapshot, Option<KeyUse>)>> {
        let read = Self::read_on(conn, partner, customer, key).await?;
        Ok(read.map(|read| (read.snapshot, read.used)))
    }

    /// [`Self::snapshot_on`] with the customer's version.
    async fn read_on(
        conn: &mut sqlx::PgConnection,
        partner: PartnerId,
        customer: CustomerId,
        key: Option<Uuid>,
    ) -> Result<Option<rows::pg::SnapshotRead>> {
        let parts = sqlx::query_as::<_, rows::pg::SnapshotPart>(pg_sql::SNAPSHOT)
            .bind(partner.0)
            .bind(customer.0)
            .bind(key)
            .fetch_all(&mut *conn)
            .await?;
        rows::pg::snapshot(parts)
    }

    /// The first try of a submission: read the snapshot without a lock,
    /// decide, and write only if the customer is still the version read,
    /// each one statement and the write its own transaction (2 round trips
    /// instead of the locked path's 5). `None` when an order of the customer
    /// was written in between: the caller goes the locked way then.
    async fn submit_optimistic(&self, order: NewOrder<'_>) -> Result<Option<Submission>> {
        let NewOrder {
            partner,
            customer,
            request_id,
            fingerprint,
            audit,
            decide,
        } = order;
        let mut conn = self.pool.acquire().await?;
        let Some(read) = Self::read_on(&mut conn, partner, customer, Some(request_id)).await?
        else {
            return Ok(Some(Submission::CustomerNotFound));
        };
        if let Some(used) = read.used {
            return Self::key_used(&mut conn, partner, used, fingerprint)
                .await
                .map(Some);
        }
        let plan = match decide(&read.snapshot) {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Some(Submission::Refused(refusal))),
        };
        let write = Write::Unless {
            changed_since: read.version,
        };
        if !Self::write_plan_as(&mut conn, &plan, 0, Some(fingerprint), audit, write).await? {
            return Ok(None);
        }
        self.announcer.committed(Change::Customer(customer));
        Ok(Some(Submission::Created(plan.order)))
    }

    /// A submission: optimistic first, under the customer's lock when an
    /// order of the same customer got in between.
    async fn submit_first(&self, order: NewOrder<'_>) -> Result<Submission> {
        match self.submit_optimistic(order).await? {
            Some(done) => Ok(done),
            None => self.submit_once(order).await,
        }
    }

    /// Writes a decided order, in a transaction that holds the customer's
    /// lock.
    async fn write_plan(
        conn: &mut sqlx::PgConnection,
        plan: &Plan,
        previous_events: usize,
        fingerprint: Option<&str>,
        audit: &OrderAudit<'_>,
    ) -> Result<()> {
        Self::write_plan_as(
            conn,
            plan,
            previous_events,
            fingerprint,
            audit,
            Write::Locked,
        )
        .await?;
        Ok(())
    }

    /// Writes a decided order in one statement: its effects, the order
    /// (inserted, or updated past its `previous_events`), its new events and
    /// its audit record. False when `write` is conditional and the customer
    /// changed: nothing was written.
    async fn write_plan_as(
        conn: &mut sqlx::PgConnection,
        plan: &Plan,
        previous_events: usize,
        fingerprint: Option<&str>,
        audit: &OrderAudit<'_>,
        write: Write,
    ) -> Result<bool> {
        let o = &plan.order;
        let events = &o.events[previous_events.min(o.events.len())..];
        let record = crate::domain::audit::order_record(audit.caller, audit.action, o, audit.id);
        let sql = match plan.effects {
            None => pg_sql::WRITE_ORDER,
            Some(_) => pg_sql::WRITE_ORDER_WITH_EFFECTS,
        };
        let query = super::order_sql::bind_order_columns!(
            sqlx::query_scalar::<_, bool>(sql),
            o,
            fingerprint
        )
        .bind(previous_events == 0)
        .bind(events.iter().map(|e| e.seq).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.state.as_str()).collect::<Vec<_>>())
        .bind(events.iter().map(|e| stored_time(e.at)).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.note.as_str()).collect::<Vec<_>>());
        let query = super::role_sql::bind_audit_columns!(query, &record).bind(match write {
            Write::Locked => None,
            Write::Unless { changed_since } => Some(changed_since),
        });
        let query = match &plan.effects {
            None => query,
            Some(e) => {
                let t = &e.target;
                super::sql::bind_subscription_columns!(query, t)
                    .bind(e.move_licenses.then_some(e.source.0))
                    .bind(e.cancel.iter().map(|s| s.0).collect::<Vec<_>>())
                    .bind(e.reattach.iter().map(|s| s.0).collect::<Vec<_>>())
            }
        };
        Ok(query.fetch_one(&mut *conn).await?)
    }
}

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// A pooled connection idle for this long is pinged before use.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

impl PgStore {
    /// Connects and migrates. sqlx's migrator holds a Postgres advisory lock
    /// while it runs, so replicas starting together migrate exactly once.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
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
        let announcer = super::changes::Announcer::postgres(&pool);
        Ok(PgStore { pool, announcer })
    }

    /// Other replicas' (and imports') writes, heard through LISTEN.
    fn feed(
        pool: &sqlx::PgPool,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<super::changes::FeedEvent>> {
        Some(super::changes::listen(pool))
    }
}
