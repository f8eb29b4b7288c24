//! The scheduled-upgrade runner inside the server (SPEC §9): every
//! interval it runs the orders that are due, by the app's clock. Any number
//! of replicas may run it; the database makes sure each order runs once
//! (`crate::app` explains how). An interval of zero switches it off for a
//! replica (the chart's CronJob then runs `csp-upgrades run-due` instead).

use std::time::Duration;

use crate::state::AppState;

/// Orders claimed per pass.
pub const BATCH: u32 = 100;

/// The name a runner claims orders under: the pod (or host) and process.
pub fn runner_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "csp-upgrades".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Runs until aborted; a pass that fails is logged and tried again at the
/// next tick (its claims run out and are taken over).
pub async fn run(state: AppState, interval: Duration) {
    let name = runner_name();
    tracing::info!(runner = %name, ?interval, "scheduled-upgrade runner started");
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Until the database is open there is nothing to run.
        let Ok(app) = state.app() else { continue };
        match app.run_all_due(&name, BATCH).await {
            Ok(report) if report.claimed > 0 => {
                tracing::info!(
                    claimed = report.claimed,
                    ran = report.ran,
                    "scheduled upgrades run"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduled-upgrade runner pass failed"),
        }
    }
}
