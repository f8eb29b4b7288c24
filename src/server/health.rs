//! Health follows the database. `SERVING` once it answers; then a probe of
//! its own checks it every quarter second with a one-second limit, so health
//! turns `NOT_SERVING` within about 1.25 s of the database becoming
//! unreachable (a refused connection at once, a silent one at the limit) and
//! `SERVING` again within about a quarter second of its return. The probe
//! keeps one connection outside the pool: the pool's five-second acquire
//! would hide an outage for seconds, and a full pool would look like one.

use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::Database;
use crate::startup;
use crate::state::AppState;
use crate::storage::Store;

/// The `csp.v1` services whose health follows the database.
const SERVICES: &[&str] = &[
    "csp.v1.CustomerService",
    "csp.v1.OfferService",
    "csp.v1.PartnerRoleService",
    "csp.v1.UpgradeService",
];

/// Time between two probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// A probe that has not answered by then counts as the database being down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

pub async fn set_all(health: &HealthReporter, status: ServingStatus) {
    health.set_service_status("", status).await;
    for service in SERVICES {
        health.set_service_status(*service, status).await;
    }
}

/// Opens the database, retrying with backoff until it answers, then keeps
/// probing it so health follows the database.
pub async fn open_database(state: AppState, database: Database, health: HealthReporter) {
    let open = || startup::open_store(&database.url, state.catalog(), database.load_demo);
    let store = open
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(100))
                // A database that comes back is found within a second.
                .with_max_delay(Duration::from_secs(1))
                .without_max_times(),
        )
        .notify(|e, wait| tracing::warn!(error = %format!("{e:#}"), ?wait, "database not ready; retrying"))
        .await
        .expect("retries forever");
    tracing::info!(backend = store.backend(), "database ready");
    state.set_store(Arc::clone(&store));
    set_all(&health, ServingStatus::Serving).await;

    let mut probe = Probe::new(&database.url, store);
    let mut serving = true;
    let mut tick = tokio::time::interval(PROBE_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let up = probe.check().await;
        if up != serving {
            serving = up;
            tracing::warn!(up, "database reachability changed");
            let status = if up {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            set_all(&health, status).await;
        }
    }
}

/// How the database is probed: Postgres over a connection of the probe's
/// own, the embedded database (a local file, no network) through its store.
enum Probe {
    Postgres {
        options: Box<PgConnectOptions>,
        connection: Option<PgConnection>,
    },
    Store(Arc<dyn Store>),
}

impl Probe {
    fn new(url: &str, store: Arc<dyn Store>) -> Probe {
        let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
        match url.parse::<PgConnectOptions>() {
            Ok(options) if postgres => Probe::Postgres {
                options: Box::new(options.application_name("csp-upgrades health probe")),
                connection: None,
            },
            _ => Probe::Store(store),
        }
    }

    /// Whether the database answered within [`PROBE_TIMEOUT`].
    async fn check(&mut self) -> bool {
        match self {
            Probe::Store(store) => matches!(
                tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await,
                Ok(Ok(()))
            ),
            Probe::Postgres {
                options,
                connection,
            } => {
                let ping = async {
                    if connection.is_none() {
                        *connection = Some(PgConnection::connect_with(options).await?);
                    }
                    connection.as_mut().expect("connected above").ping().await
                };
                let up = matches!(tokio::time::timeout(PROBE_TIMEOUT, ping).await, Ok(Ok(())));
                if !up {
                    // Cut, or left half-way through a ping: never reused.
                    *connection = None;
                }
                up
            }
        }
    }
}
