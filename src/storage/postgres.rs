//! The Postgres backend, for replicated installs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::Result;
use super::orders::order_store;
use super::roles::role_store;
use super::sql_store::sql_store;

sql_store!(
    /// [`Store`](super::Store) on a Postgres database.
    PgStore {
        database: sqlx::Postgres,
        connection: sqlx::PgConnection,
        backend: "postgres",
        // Read committed would let a snapshot's queries see different moments.
        begin_read: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        begin_write: "BEGIN",
    }
);

order_store!(PgStore, sqlx::Postgres, sqlx::PgConnection, begin_write: "BEGIN");
role_store!(PgStore, sqlx::PgConnection, begin_write: "BEGIN");

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
        Ok(PgStore { pool })
    }

    /// Other replicas' (and imports') writes, heard through LISTEN.
    fn feed(
        pool: &sqlx::PgPool,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<super::changes::FeedEvent>> {
        Some(super::changes::listen(pool))
    }
}
