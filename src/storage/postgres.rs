//! The Postgres backend, for replicated installs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

use super::Result;
use super::orders::{KeyUse, OrderAudit, order_store};
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
        let snapshot = Self::snapshot_on(&mut conn, partner, customer, None).await?;
        Ok(snapshot.map(|(snapshot, _)| snapshot))
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
        let parts = sqlx::query_as::<_, rows::pg::SnapshotPart>(pg_sql::SNAPSHOT)
            .bind(partner.0)
            .bind(customer.0)
            .bind(key)
            .fetch_all(&mut *conn)
            .await?;
        rows::pg::snapshot(parts)
    }

    /// Writes a decided order in one statement: its effects, the order
    /// (inserted, or updated past its `previous_events`), its new events and
    /// its audit record.
    async fn write_plan(
        conn: &mut sqlx::PgConnection,
        plan: &Plan,
        previous_events: usize,
        fingerprint: Option<&str>,
        audit: &OrderAudit<'_>,
    ) -> Result<()> {
        use super::roles::{actor_label, actor_user_id, details_json};
        let o = &plan.order;
        let events = &o.events[previous_events.min(o.events.len())..];
        let record = crate::domain::audit::order_record(audit.caller, audit.action, o, audit.id);
        let sql = match plan.effects {
            None => pg_sql::WRITE_ORDER,
            Some(_) => pg_sql::WRITE_ORDER_WITH_EFFECTS,
        };
        let query = super::order_sql::bind_order_columns!(sqlx::query(sql), o, fingerprint)
            .bind(previous_events == 0)
            .bind(events.iter().map(|e| e.seq).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.state.as_str()).collect::<Vec<_>>())
            .bind(events.iter().map(|e| stored_time(e.at)).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.note.as_str()).collect::<Vec<_>>())
            .bind(record.id.0)
            .bind(record.partner_id.0)
            .bind(actor_label(&record.actor))
            .bind(actor_user_id(&record.actor))
            .bind(record.action.as_str())
            .bind(record.target.label())
            .bind(record.role.map(|r| r.as_str()))
            .bind(record.outcome.as_str())
            .bind(record.refusal.map(|r| r.as_str()))
            .bind(stored_time(record.at))
            .bind(details_json(&record.details));
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
        query.execute(&mut *conn).await?;
        Ok(())
    }
}

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

impl PgStore {
    /// Connects and migrates. sqlx's migrator holds a Postgres advisory lock
    /// while it runs, so replicas starting together migrate exactly once.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
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
