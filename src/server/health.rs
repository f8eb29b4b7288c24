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
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::Database;
use crate::startup;
use crate::state::AppState;
use crate::storage::Probe;

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

    let mut probe = Probe::new(&database.url, store, PROBE_TIMEOUT);
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
