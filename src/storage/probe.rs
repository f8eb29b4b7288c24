//! The health probe's view of the database (issue 15): Postgres over a
//! connection of the probe's own with a short timeout, never the pool's
//! acquire, so health turns within seconds of an outage.

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use super::Store;

/// How the database is probed: Postgres over a connection of the probe's
/// own, the embedded database (a local file, no network) through its store.
pub enum Probe {
    Postgres {
        options: Box<PgConnectOptions>,
        connection: Option<PgConnection>,
        timeout: Duration,
    },
    Store(Arc<dyn Store>, Duration),
}

impl Probe {
    pub fn new(url: &str, store: Arc<dyn Store>, timeout: Duration) -> Probe {
        let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
        match url.parse::<PgConnectOptions>() {
            Ok(options) if postgres => Probe::Postgres {
                options: Box::new(options.application_name("csp-upgrades health probe")),
                connection: None,
                timeout,
            },
            _ => Probe::Store(store, timeout),
        }
    }

    /// Whether the database answered within the probe's timeout.
    pub async fn check(&mut self) -> bool {
        match self {
            Probe::Store(store, timeout) => matches!(
                tokio::time::timeout(*timeout, store.ping()).await,
                Ok(Ok(()))
            ),
            Probe::Postgres {
                options,
                connection,
                timeout,
            } => {
                let ping = async {
                    if connection.is_none() {
                        *connection = Some(PgConnection::connect_with(options).await?);
                    }
                    connection.as_mut().expect("connected above").ping().await
                };
                let up = matches!(tokio::time::timeout(*timeout, ping).await, Ok(Ok(())));
                if !up {
                    // Cut, or left half-way through a ping: never reused.
                    *connection = None;
                }
                up
            }
        }
    }
}
