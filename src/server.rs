//! The server: `run(listener, ...)` serves every service on a listener the
//! caller bound (tests bind port 0), reports health, and drains on shutdown.
//!
//! Every call passes, outermost first: CORS and gRPC-web translation
//! ([`web`]), the observing layer (ids, span, metrics, access log:
//! [`crate::telemetry::layer`]), the caller's language for errors
//! ([`crate::grpc::lang`]), the request timeout ([`deadline`]), the answer to
//! a malformed frame ([`framing`]), then authentication. Connection limits
//! are in [`ServerOptions`].

mod deadline;
mod framing;
mod health;
mod options;
pub mod runner;
mod shutdown;
mod web;

pub use options::ServerOptions;

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::auth::layer::AuthLayer;
use crate::grpc::customer::CustomerApi;
use crate::grpc::data::DataApi;
use crate::grpc::lang::LangLayer;
use crate::grpc::offer::OfferApi;
use crate::grpc::partner_role::PartnerRoleApi;
use crate::grpc::pb;
use crate::grpc::upgrade::UpgradeApi;
use crate::state::AppState;
use crate::telemetry::layer::ObserveLayer;

/// Health service name that answers `SERVING` whenever the process can answer
/// at all: the liveness probe, which must not depend on the database.
pub const LIVENESS_SERVICE: &str = "liveness";

/// Largest request accepted; every request of the API is small.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// Largest response sent (a page of 1000 subscriptions fits easily).
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// How long a TLS handshake may take.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the data lives and whether to seed it.
#[derive(Debug, Clone)]
pub struct Database {
    pub url: String,
    /// Import the demo dataset when the database is empty.
    pub load_demo: bool,
}

macro_rules! limited {
    ($server:expr) => {
        $server
            .max_decoding_message_size(MAX_REQUEST_BYTES)
            .max_encoding_message_size(MAX_RESPONSE_BYTES)
    };
}

/// TLS for the listener: the server's certificate and key, and optionally
/// the CA that client certificates must chain to (mutual TLS).
#[derive(Clone)]
pub struct Tls {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub client_ca_pem: Option<Vec<u8>>,
}

/// The key never reaches a log.
impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field(
                "client_certificates_required",
                &self.client_ca_pem.is_some(),
            )
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// Reads the PEM files named by the flags.
    pub fn load(
        cert: &std::path::Path,
        key: &std::path::Path,
        client_ca: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context;
        let read = |p: &std::path::Path| {
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
        };
        Ok(Tls {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
            client_ca_pem: client_ca.map(read).transpose()?,
        })
    }

    fn config(&self) -> tonic::transport::ServerTlsConfig {
        use tonic::transport::{Certificate, Identity, ServerTlsConfig};
        let config = ServerTlsConfig::new()
            .identity(Identity::from_pem(&self.cert_pem, &self.key_pem))
            // A client that opens a connection and never finishes the
            // handshake (or speaks plaintext) does not hold it forever.
            .timeout(TLS_HANDSHAKE_TIMEOUT);
        match &self.client_ca_pem {
            // Client certificates are then required (not optional).
            Some(ca) => config.client_ca_root(Certificate::from_pem(ca)),
            None => config,
        }
    }
}

/// Serves until `shutdown` resolves, then turns health `NOT_SERVING` and
/// lets in-flight calls finish. The database is opened in the background:
/// health says `SERVING` only once it answers, and `csp.v1` calls answer
/// `UNAVAILABLE` until then.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    database: Database,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with(
        listener,
        state,
        database,
        ServerOptions::default(),
        None,
        shutdown,
    )
    .await
}

/// [`run`] with TLS (and mutual TLS when `tls` names a client CA).
pub async fn run_with_tls(
    listener: TcpListener,
    state: AppState,
    database: Database,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with(
        listener,
        state,
        database,
        ServerOptions::default(),
        tls,
        shutdown,
    )
    .await
}

/// [`run`] with the given limits, gRPC-web origins and TLS. A bad
/// certificate or key fails here, before any connection is served.
pub async fn run_with(
    listener: TcpListener,
    state: AppState,
    database: Database,
    options: ServerOptions,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut server = builder(&options);
    if let Some(tls) = &tls {
        server = anyhow::Context::context(
            server.tls_config(tls.config()),
            "--tls-cert, --tls-key or --client-ca is not valid PEM of the right kind",
        )?;
    }
    let (reporter, health_service) = tonic_health::server::health_reporter();
    health::set_all(&reporter, ServingStatus::NotServing).await;
    reporter
        .set_service_status(LIVENESS_SERVICE, ServingStatus::Serving)
        .await;

    let opener = tokio::spawn(health::open_database(
        state.clone(),
        database,
        reporter.clone(),
    ));
    let (start_drain, draining) = shutdown::channel();
    let interval = state.scheduled_runner_interval();
    let runner = (!interval.is_zero()).then(|| tokio::spawn(runner::run(state.clone(), interval)));

    let reflection = || {
        pb::REFLECTED_DESCRIPTOR_SETS
            .into_iter()
            .fold(tonic_reflection::server::Builder::configure(), |b, set| {
                b.register_encoded_file_descriptor_set(set)
            })
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    let drain_health = reporter.clone();
    let stop_watching = opener.abort_handle();
    let signal = async move {
        shutdown.await;
        tracing::info!(
            grace = ?options.shutdown_grace,
            "shutting down: health NOT_SERVING, streams end, draining in-flight calls"
        );
        // The database watch must not turn health back to SERVING.
        stop_watching.abort();
        health::set_all(&drain_health, ServingStatus::NotServing).await;
        start_drain.start();
    };

    let serve = server
        .layer(web::cors(&options.cors_allowed_origins))
        .layer(tonic_web::GrpcWebLayer::new())
        .layer(ObserveLayer)
        .layer(LangLayer)
        .layer(deadline::DeadlineLayer::new(options.request_timeout))
        .layer(framing::FramingLayer)
        .layer(shutdown::StreamsEndLayer::new(draining.clone()))
        .layer(AuthLayer::new(state.clone()))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(limited!(
            pb::customer_service_server::CustomerServiceServer::new(CustomerApi::new(
                state.clone()
            ))
        ))
        .add_service(limited!(pb::data_service_server::DataServiceServer::new(
            DataApi::new(state.clone())
        )))
        .add_service(limited!(pb::offer_service_server::OfferServiceServer::new(
            OfferApi::new(state.clone())
        )))
        .add_service(limited!(
            pb::partner_role_service_server::PartnerRoleServiceServer::new(PartnerRoleApi::new(
                state.clone()
            ))
        ))
        .add_service(limited!(
            pb::upgrade_service_server::UpgradeServiceServer::new(UpgradeApi::new(state.clone()))
        ))
        .serve_with_incoming_shutdown(incoming(listener), signal);
    let result = shutdown::serve_until_drained(serve, draining, options.shutdown_grace).await;
    opener.abort();
    if let Some(runner) = runner {
        runner.abort();
    }
    Ok(result?)
}

/// The server with its connection limits. HTTP/1.1 is accepted for
/// gRPC-web: browsers without TLS cannot speak HTTP/2 to it.
fn builder(options: &ServerOptions) -> Server {
    let mut builder = Server::builder()
        .accept_http1(true)
        .http2_keepalive_interval(options.http2_keepalive_interval)
        .http2_keepalive_timeout(Some(options.http2_keepalive_timeout));
    if let Some(limit) = options.concurrency_limit {
        builder = builder.concurrency_limit_per_connection(limit);
    }
    // tonic sends GOAWAY at this age and lets the calls under way finish (no
    // forced close after a grace period: a long watch stream keeps its
    // connection, but every new call goes to a fresh one).
    if let Some(age) = options.max_connection_age {
        builder = builder.max_connection_age(age);
    }
    builder
}

/// Accepted connections with `TCP_NODELAY`: tonic only sets it on listeners
/// it binds itself, and without it a multi-frame response waits out Nagle's
/// algorithm against the client's delayed ACK (about 40 ms per call).
fn incoming(
    listener: TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use tokio_stream::StreamExt;
    TcpListenerStream::new(listener).map(|conn| {
        let conn = conn?;
        conn.set_nodelay(true)?;
        Ok(conn)
    })
}
