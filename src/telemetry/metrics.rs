//! Prometheus metrics: the names (recorded through the `metrics` facade from
//! anywhere in the crate) and the `/metrics` endpoint on its own port.
//!
//! Nothing is recorded until [`install`] runs (the binary calls it when
//! `--metrics-listen` is set): histograms keep their samples until a scrape
//! drains them, so they must not pile up in a process nobody scrapes.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context as _;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tonic::Code;

use super::routes::Route;
use crate::storage::PoolStats;

/// Calls finished, by `grpc_service`, `grpc_method` and `grpc_code`.
pub const HANDLED: &str = "grpc_server_handled_total";
/// Seconds from a call's arrival to its final status (a stream's end), by
/// `grpc_service` and `grpc_method`.
pub const HANDLING_SECONDS: &str = "grpc_server_handling_seconds";
/// Calls under way, by `grpc_service` and `grpc_method`.
pub const IN_FLIGHT: &str = "grpc_server_in_flight";
/// Database connections by `state` (`idle`, `active`), sampled at scrape.
pub const DB_POOL: &str = "csp_db_pool_connections";
/// Upgrade orders by `outcome` (recorded by the order code).
pub const UPGRADE_ORDERS: &str = "csp_upgrade_orders_total";
pub const OPTIMISTIC_RETRIES: &str = "csp_optimistic_submission_retries_total";
/// Eligibility checks that gave a reason, by `code` (once per check and code).
pub const ELIGIBILITY_REASONS: &str = "csp_eligibility_reasons_total";

/// Cache lookups by `cache` (`roles`, `partners`, `snapshots`) and `result`
/// (`hit`, `miss`; `bypass` while the cache cannot hear other replicas).
pub const CACHE_LOOKUPS: &str = "csp_cache_lookups_total";

/// Latency buckets (seconds): calls are database reads, a few ms to a few
/// hundred; the tail up to the default request timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded in between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the process-wide recorder (once; later calls return the same
/// handle). Fails if another recorder was installed first.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HANDLING_SECONDS.into()), LATENCY_BUCKETS)?
        .build_recorder();
    let handle = recorder.handle();
    // Two racing first calls: the loser's recorder is refused and dropped.
    if metrics::set_global_recorder(recorder).is_ok() {
        describe();
        let _ = HANDLE.set(handle);
    }
    HANDLE
        .get()
        .cloned()
        .context("another metrics recorder is installed")
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HANDLED,
        "gRPC calls finished, by service, method and status code."
    );
    describe_histogram!(
        HANDLING_SECONDS,
        metrics::Unit::Seconds,
        "Seconds from a call's arrival to its final status."
    );
    describe_gauge!(IN_FLIGHT, "gRPC calls under way.");
    describe_gauge!(DB_POOL, "Database pool connections by state.");
    describe_counter!(UPGRADE_ORDERS, "Upgrade orders by outcome.");
    describe_counter!(
        OPTIMISTIC_RETRIES,
        "Submissions written without the customer's lock that found the customer changed since \
         their read, and took the lock (Postgres)."
    );
    describe_counter!(
        ELIGIBILITY_REASONS,
        "Eligibility checks that gave a reason, by reason code (once per check)."
    );
    describe_counter!(
        CACHE_LOOKUPS,
        "Cache lookups by cache and result (hit, miss, bypass)."
    );
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves;
/// `pool_stats` says what the database pool holds (`None` before it opens).
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    pool_stats: impl Fn() -> Option<PoolStats> + Clone + Send + Sync + 'static,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let upkeep = {
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(UPKEEP_EVERY);
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        })
    };
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            sample_pool(pool_stats());
            let body = handle.render();
            async move {
                (
                    [(
                        http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    body,
                )
            }
        }),
    );
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    upkeep.abort();
    Ok(result?)
}

/// The pool is read when Prometheus asks, so the gauge is never staler than
/// the scrape.
fn sample_pool(stats: Option<PoolStats>) {
    if let Some(stats) = stats {
        metrics::gauge!(DB_POOL, "state" => "active").set(f64::from(stats.active));
        metrics::gauge!(DB_POOL, "state" => "idle").set(f64::from(stats.idle));
    }
}

/// One call more under way on `route`.
pub fn call_started(route: Route) {
    metrics::gauge!(IN_FLIGHT, "grpc_service" => route.service, "grpc_method" => route.method)
        .increment(1.0);
}

/// A call on `route` ended with `code` after `elapsed`.
pub fn call_finished(route: Route, code: Code, elapsed: Duration) {
    let (service, method) = (route.service, route.method);
    metrics::gauge!(IN_FLIGHT, "grpc_service" => service, "grpc_method" => method).decrement(1.0);
    metrics::counter!(
        HANDLED,
        "grpc_service" => service,
        "grpc_method" => method,
        "grpc_code" => code_label(code),
    )
    .increment(1);
    metrics::histogram!(HANDLING_SECONDS, "grpc_service" => service, "grpc_method" => method)
        .record(elapsed.as_secs_f64());
}

/// An upgrade order was written with this outcome (`COMPLETED_CLEAN`,
/// `WAITING`, ...), or a submission was `REFUSED`.
pub fn upgrade_order(outcome: &'static str) {
    metrics::counter!(UPGRADE_ORDERS, "outcome" => outcome).increment(1);
}

/// A submission without the lock lost to another write and took the lock.
pub fn optimistic_submission_retried() {
    metrics::counter!(OPTIMISTIC_RETRIES).increment(1);
}

/// A check answered with a reason of this SPEC §4 code.
pub fn eligibility_reason(code: &'static str) {
    metrics::counter!(ELIGIBILITY_REASONS, "code" => code).increment(1);
}

pub fn cache_lookup(cache: &'static str, result: &'static str) {
    metrics::counter!(CACHE_LOOKUPS, "cache" => cache, "result" => result).increment(1);
}

/// Status codes as grpc-go spells them (`OK`, `NotFound`, ...), the values
/// existing `grpc_server_handled_total` dashboards and alerts filter on.
pub fn code_label(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "Canceled",
        Code::Unknown => "Unknown",
        Code::InvalidArgument => "InvalidArgument",
        Code::DeadlineExceeded => "DeadlineExceeded",
        Code::NotFound => "NotFound",
        Code::AlreadyExists => "AlreadyExists",
        Code::PermissionDenied => "PermissionDenied",
        Code::ResourceExhausted => "ResourceExhausted",
        Code::FailedPrecondition => "FailedPrecondition",
        Code::Aborted => "Aborted",
        Code::OutOfRange => "OutOfRange",
        Code::Unimplemented => "Unimplemented",
        Code::Internal => "Internal",
        Code::Unavailable => "Unavailable",
        Code::DataLoss => "DataLoss",
        Code::Unauthenticated => "Unauthenticated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_grpc_go_name() {
        let labels: std::collections::BTreeSet<_> =
            (0..=16).map(|i| code_label(Code::from_i32(i))).collect();
        assert_eq!(labels.len(), 17);
        assert_eq!(code_label(Code::from_i32(5)), "NotFound");
    }
}
