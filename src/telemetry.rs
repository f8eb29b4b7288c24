//! Logs, traces and metrics.
//!
//! - Logs: `RUST_LOG` filters (default `info`), text or JSON lines on stderr.
//!   Every call runs in a `request` span carrying its request, correlation,
//!   trace and span ids, so each line logged for a call names them.
//! - Traces: [`trace`] reads W3C `traceparent` from the call's metadata; the
//!   `request` span is an OpenTelemetry span child of the caller's, exported
//!   over OTLP when `--otlp-endpoint` is set.
//! - Metrics: [`metrics`] serves Prometheus text on its own port;
//!   [`layer::ObserveLayer`] counts and times every call.

pub mod layer;
pub mod metrics;
pub mod routes;
pub mod trace;

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::LogFormat;

/// Name of this service in exported traces (`service.name`).
pub const SERVICE_NAME: &str = "csp-upgrades";

/// Keeps the tracer provider alive; [`Telemetry::shutdown`] sends the spans
/// still buffered before the process exits.
pub struct Telemetry {
    provider: SdkTracerProvider,
}

/// Installs the global subscriber. Traces are exported only when
/// `otlp_endpoint` is given; without it spans still get ids, so logs can be
/// joined with the caller's trace. Call from inside the Tokio runtime: the
/// OTLP exporter is a tonic client.
pub fn init(format: LogFormat, otlp_endpoint: Option<&str>) -> anyhow::Result<Telemetry> {
    let mut provider = SdkTracerProvider::builder()
        .with_resource(Resource::builder().with_service_name(SERVICE_NAME).build());
    if let Some(endpoint) = otlp_endpoint {
        use opentelemetry_otlp::WithExportConfig as _;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()
            .with_context(|| format!("OTLP exporter for {endpoint}"))?;
        provider = provider.with_batch_exporter(exporter);
    }
    let provider = provider.build();
    // The exporter's own transport logs must not become spans to export.
    let transport = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(
            [
                "h2",
                "hyper",
                "hyper_util",
                "tonic",
                "tower",
                "opentelemetry",
            ]
            .map(|t| (t, LevelFilter::OFF)),
        );
    let otel = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(SERVICE_NAME))
        .with_filter(transport);

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: escape codes in a log file
    // or collector are noise, and formatting them is work on every span.
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let fmt = match format {
        LogFormat::Text => fmt.boxed(),
        LogFormat::Json => fmt.json().flatten_event(true).boxed(),
    };
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .with(filter)
        .try_init()
        .context("a global log subscriber is already set")?;
    if let Some(endpoint) = otlp_endpoint {
        tracing::info!(endpoint, "exporting traces over OTLP");
    }
    Ok(Telemetry { provider })
}

impl Telemetry {
    /// Flushes buffered spans. Blocks while the exporter sends, so it runs
    /// off the runtime's worker threads (the exporter needs them).
    pub async fn shutdown(self) {
        let provider = self.provider;
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "trace export did not finish"),
            Err(e) => tracing::warn!(error = %e, "trace export did not finish"),
        }
    }
}
