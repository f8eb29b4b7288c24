//! Command line and environment. Every flag has an environment variable;
//! `--help` documents them all, and each subcommand's `--help` only its own.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;

/// The bare command runs the server: `csp-upgrades --listen ...` is
/// `csp-upgrades serve --listen ...` ([`Cli::parse_args`]). Each subcommand
/// takes only the flags it uses (`token --help` lists no server limits,
/// `generate --help` no database).
#[derive(Debug, Parser)]
#[command(
    name = "csp-upgrades",
    version,
    about = "CSP subscription upgrade service (gRPC)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log format.
    #[arg(long, env = "CSP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl Cli {
    /// Parses a command line (program name first). Without a subcommand it
    /// is the server's: parsed again as `serve` with the same arguments, so
    /// the server's flags are read (from the command line or their
    /// environment variables) only when the server runs.
    pub fn parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let as_serve = || {
            let mut with = args.clone();
            with.insert(1.min(with.len()), "serve".into());
            Cli::try_parse_from(with)
        };
        // A server flag without `serve` is unknown at the top level; a wrong
        // flag after a subcommand's name is that subcommand's error.
        let names_command = args.get(1).and_then(|a| a.to_str()).is_some_and(|first| {
            <Cli as clap::CommandFactory>::command()
                .get_subcommands()
                .any(|c| c.get_name() == first)
        });
        match Cli::try_parse_from(&args) {
            Ok(Cli { command: None, .. }) => as_serve(),
            Ok(cli) => Ok(cli),
            Err(e) if e.kind() == clap::error::ErrorKind::UnknownArgument && !names_command => {
                as_serve()
            }
            Err(e) => Err(e),
        }
    }

    /// The server's flags when the command runs the server.
    pub fn serve_args(&self) -> Option<&ServeArgs> {
        match &self.command {
            Some(Command::Serve(args)) => Some(args),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once at start-up; boxing buys nothing"
)]
pub enum Command {
    /// Run the gRPC server (the default when no command is given).
    Serve(ServeArgs),
    /// Print a bearer token signed with the development key.
    Token(TokenArgs),
    /// Load a JSON dataset (docs/dataset.md) into the database: all or nothing.
    Import(ImportArgs),
    /// Write a synthetic dataset (for benchmarks) that `import` loads.
    Generate(GenerateArgs),
    /// Bring a partner's data up to date from its fresh export (a dataset
    /// file, docs/sync.md): insert, update, mark deleted; one transaction.
    Sync(SyncArgs),
    /// Run the upgrades scheduled for a renewal that are due now, once, and
    /// exit (for a CronJob; the server runs them too unless told not to).
    RunDue(RunDueArgs),
    /// Client: write the whole partner's eligibility (StreamEligibility) to
    /// CSV or JSON Lines; run again with the same --out to resume.
    Report(crate::client::report::ReportArgs),
    /// Client: submit the upgrades of a CSV or JSON Lines file in batches
    /// (SubmitUpgrades); outcomes go to FILE.results.csv; safe to re-run.
    SubmitBatch(crate::client::submit_batch::SubmitBatchArgs),
}

/// Where the data lives: the server, `token` (to look a user up) and
/// `import` use it.
#[derive(Args, Clone)]
pub struct DataArgs {
    /// Database URL: `sqlite:PATH` or `postgres://...`. Default: an embedded
    /// SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory for the embedded database and the development signing key.
    #[arg(long, env = "CSP_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

impl DataArgs {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!("sqlite:{}", self.data_dir.join("csp-upgrades.db").display())
        })
    }
}

/// The URL's password never reaches a log.
impl std::fmt::Debug for DataArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataArgs")
            .field(
                "database_url",
                &crate::storage::redacted(&self.database_url()),
            )
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

#[derive(Debug, Args, Clone)]
pub struct CatalogArgs {
    /// Offer catalog file; default: the catalog built into the binary.
    #[arg(long, env = "CSP_CATALOG_FILE")]
    pub catalog_file: Option<PathBuf>,
}

/// The claims every token must carry (the server checks them, `token`
/// writes them).
#[derive(Debug, Args, Clone)]
pub struct ClaimArgs {
    /// Required `iss` claim.
    #[arg(long, env = "CSP_JWT_ISSUER", default_value = "csp-upgrades-dev")]
    pub jwt_issuer: String,
    /// Required `aud` claim.
    #[arg(long, env = "CSP_JWT_AUDIENCE", default_value = "csp-upgrades")]
    pub jwt_audience: String,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// JWKS file with the RS256/ES256 keys tokens are signed with. When set,
    /// the development key is never accepted.
    #[arg(long, env = "CSP_JWKS_FILE")]
    pub jwks_file: Option<PathBuf>,
    #[command(flatten)]
    pub claims: ClaimArgs,
    /// Address to listen on.
    #[arg(long, env = "CSP_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// Import the demo dataset into an empty database. Default: yes for the
    /// embedded SQLite database, no for Postgres.
    #[arg(long, env = "CSP_DEMO_DATA")]
    pub demo_data: Option<bool>,
    /// PEM certificate (chain) to serve TLS with; needs --tls-key. Unset:
    /// plaintext (TLS ends at the ingress).
    #[arg(long, env = "CSP_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "CSP_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificate(s): when set, every client must present a
    /// certificate signed by one of them (mutual TLS, for in-cluster calls).
    #[arg(long, env = "CSP_CLIENT_CA", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
    /// Credit check thresholds per currency, `CUR=amount,...`: invoice-paid
    /// upgrade orders whose monthly value is at or above the amount wait for
    /// a billing admin's approval. A currency not listed always waits.
    #[arg(long, env = "CSP_CREDIT_CHECK_THRESHOLDS", value_parser = parse_thresholds,
          default_value = DEFAULT_CREDIT_CHECK_THRESHOLDS)]
    pub credit_check_thresholds: BTreeMap<String, Decimal>,
    /// Address of the Prometheus endpoint (`GET /metrics`), on a port of its
    /// own so it is never exposed with the API. Default, or empty: off (the
    /// container image sets 0.0.0.0:9090).
    #[arg(long, env = "CSP_METRICS_LISTEN", value_parser = parse_optional_addr)]
    pub metrics_listen: Option<OptionalAddr>,
    /// Seconds a call may take to produce its response before it fails with
    /// DEADLINE_EXCEEDED (a server stream's messages are not bounded once it
    /// started). A shorter `grpc-timeout` from the client wins. 0 = no limit.
    #[arg(long, env = "CSP_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds to drain after SIGTERM: open streams end at once with
    /// UNAVAILABLE, calls under way may finish, and whatever is still open
    /// after this is dropped. Keep it below the orchestrator's grace period
    /// (the Helm chart checks). At least 1.
    #[arg(long, env = "CSP_SHUTDOWN_GRACE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub shutdown_grace_secs: u64,
    /// Calls served at once on one connection; more wait in line. 0 = no
    /// limit.
    #[arg(long, env = "CSP_CONCURRENCY_LIMIT", default_value_t = 256)]
    pub concurrency_limit: usize,
    /// Seconds between HTTP/2 PINGs the server sends to check that a client
    /// is still there. 0 = no pings.
    #[arg(long, env = "CSP_HTTP2_KEEPALIVE_INTERVAL_SECS", default_value_t = 30)]
    pub http2_keepalive_interval_secs: u64,
    /// Seconds to wait for a PING's answer before closing the connection.
    #[arg(long, env = "CSP_HTTP2_KEEPALIVE_TIMEOUT_SECS", default_value_t = 10)]
    pub http2_keepalive_timeout_secs: u64,
    /// Seconds after which a connection is told to go away (HTTP/2 GOAWAY):
    /// calls under way finish, new calls come on a new connection, so
    /// long-lived clients spread over replicas added since. 0 = never.
    #[arg(long, env = "CSP_MAX_CONNECTION_AGE_SECS", default_value_t = 300)]
    pub max_connection_age_secs: u64,
    /// Browser origins allowed to call through gRPC-web, comma-separated
    /// (e.g. `https://partner.example,http://localhost:5173`). Empty: no
    /// browser origin may call.
    #[arg(long, env = "CSP_CORS_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_allowed_origins: Vec<String>,
    /// Milliseconds a caller's roles (and an app's partner) may be served
    /// from memory. A grant or revoke drops the entry at once on this
    /// replica and, on Postgres, on every replica as its notification
    /// arrives; with the notification feed down nothing is served from
    /// memory. 0 = read them on every call.
    #[arg(long, env = "CSP_ROLE_CACHE_TTL_MS", default_value_t = 1000)]
    pub role_cache_ttl_ms: u64,
    /// Milliseconds a customer's snapshot (what eligibility reads) may be
    /// served from memory, under the same invalidation as the roles. 0 = off.
    #[arg(long, env = "CSP_SNAPSHOT_CACHE_TTL_MS", default_value_t = 10_000)]
    pub snapshot_cache_ttl_ms: u64,
    /// Snapshot rows held in memory at most (one per customer, subscription
    /// and user; about 250 bytes each).
    #[arg(long, env = "CSP_SNAPSHOT_CACHE_ROWS", default_value_t = 100_000)]
    pub snapshot_cache_rows: u64,
    /// App ids (comma-separated) allowed to call DataService.SyncPartnerData
    /// for their partner; partner users need the GLOBAL_ADMIN role. Default:
    /// none, no app may sync.
    #[arg(long, env = "CSP_SYNC_APPS", value_delimiter = ',')]
    pub sync_apps: Vec<String>,
    /// Milliseconds between runs of the upgrades scheduled for a renewal
    /// that are due (SPEC §9). Every replica may run them: each order runs
    /// once. 0 = off on this replica (use `csp-upgrades run-due`, e.g. from
    /// a CronJob, instead).
    #[arg(
        long,
        env = "CSP_SCHEDULED_RUNNER_INTERVAL_MS",
        default_value_t = 10_000
    )]
    pub scheduled_runner_interval_ms: u64,
    /// OTLP/gRPC collector to send traces to (e.g. http://otel-collector:4317).
    /// Default, or empty: no export; trace ids are still read from
    /// `traceparent` and logged.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

pub const DEFAULT_CREDIT_CHECK_THRESHOLDS: &str = "USD=5000,EUR=4600,GBP=4000,INR=415000";

pub fn default_credit_check_thresholds() -> BTreeMap<String, Decimal> {
    parse_thresholds(DEFAULT_CREDIT_CHECK_THRESHOLDS).expect("the default parses")
}

fn parse_thresholds(s: &str) -> Result<BTreeMap<String, Decimal>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            let (cur, amount) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not CUR=amount"))?;
            let cur = cur.trim();
            if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("{cur:?} is not an ISO 4217 currency code"));
            }
            let amount: Decimal = amount
                .trim()
                .parse()
                .map_err(|_| format!("{amount:?} is not a decimal amount"))?;
            if amount.is_sign_negative() {
                return Err(format!("{cur} threshold is negative"));
            }
            Ok((cur.to_owned(), amount))
        })
        .collect()
}

impl ServeArgs {
    /// Where to serve metrics, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listen.and_then(|a| a.0)
    }

    /// The OTLP collector, if any.
    pub fn otlp(&self) -> Option<&str> {
        self.otlp_endpoint
            .as_deref()
            .filter(|e| !e.trim().is_empty())
    }
}

/// A listen address, or none when the value is empty: an empty variable
/// switches off what an image or chart turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionalAddr(pub Option<SocketAddr>);

fn parse_optional_addr(text: &str) -> Result<OptionalAddr, String> {
    match text.trim() {
        "" => Ok(OptionalAddr(None)),
        addr => addr
            .parse()
            .map(|a| OptionalAddr(Some(a)))
            .map_err(|e| format!("{addr:?} is not host:port: {e}")),
    }
}

/// An origin as browsers send it: `scheme://host[:port]`, nothing more. An
/// empty item (an empty variable, a trailing comma) is dropped later.
fn parse_origin(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not an origin: {e}"))?;
    let origin = url.origin().ascii_serialization();
    if !matches!(url.scheme(), "http" | "https") || origin != text.trim_end_matches('/') {
        return Err(format!(
            "{text:?} is not an origin: give scheme://host[:port] only, e.g. https://partner.example"
        ));
    }
    Ok(origin)
}

#[derive(Debug, Args, Clone)]
pub struct TokenArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub claims: ClaimArgs,
    /// User principal name of a partner user (see the README for demo users).
    #[arg(long, conflicts_with = "app")]
    pub user: Option<String>,
    /// Issue an app (service-to-service) token with this app id instead.
    #[arg(long, requires = "partner")]
    pub app: Option<String>,
    /// Partner id, for app tokens.
    #[arg(long)]
    pub partner: Option<String>,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 12 * 3600)]
    pub ttl: i64,
}

#[derive(Debug, Args, Clone)]
pub struct RunDueArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Per currency: invoice-paid orders at or above the amount wait for a
    /// credit check when they run (the same setting as the server's).
    #[arg(long, env = "CSP_CREDIT_CHECK_THRESHOLDS", value_parser = parse_thresholds,
          default_value = DEFAULT_CREDIT_CHECK_THRESHOLDS)]
    pub credit_check_thresholds: BTreeMap<String, Decimal>,
}

#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// The dataset file (JSON).
    pub file: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct SyncArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// The partner's export: a dataset file (JSON) holding the partner's
    /// complete current state.
    pub file: PathBuf,
    /// The partner to sync, when the file holds several.
    #[arg(long)]
    pub partner: Option<String>,
    /// Report what would change, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How to print the change set.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Lines for a person.
    Text,
    /// One JSON document, for scripts.
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Regular customers, each with an upgradable first subscription.
    #[arg(long, default_value_t = 100)]
    pub customers: usize,
    /// Subscriptions of each regular customer.
    #[arg(long, default_value_t = 10)]
    pub subscriptions: usize,
    /// Users licensed for each live base subscription.
    #[arg(long, default_value_t = 2)]
    pub users_per_subscription: usize,
    /// Subscriptions of one extra big customer (0: none).
    #[arg(long, default_value_t = 1000)]
    pub big_customer_subscriptions: usize,
    /// Random seed: the same seed and anchor give the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The instant billing periods run at (RFC 3339). Default: today, 00:00 UTC.
    #[arg(long)]
    pub anchor: Option<chrono::DateTime<chrono::Utc>>,
    /// Where to write the dataset (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::parse_args(std::iter::once("csp-upgrades").chain(args.iter().copied()))
    }

    #[test]
    fn the_bare_command_and_serve_take_the_same_flags() {
        let bare = parse(&["--listen", "127.0.0.1:1"]).unwrap();
        let serve = parse(&["serve", "--listen", "127.0.0.1:1"]).unwrap();
        for cli in [&bare, &serve] {
            let args = cli.serve_args().expect("runs the server");
            assert_eq!(args.listen, "127.0.0.1:1".parse().unwrap());
        }
        assert!(parse(&[]).unwrap().serve_args().is_some());
        assert!(
            parse(&["--log-format", "json"])
                .unwrap()
                .serve_args()
                .is_some()
        );
    }

    #[test]
    fn subcommands_take_only_their_own_flags() {
        assert!(parse(&["token", "--listen", "127.0.0.1:1"]).is_err());
        assert!(parse(&["generate", "--database-url", "sqlite:x", "--out", "x"]).is_err());
        assert!(parse(&["import", "--jwt-issuer", "x", "file.json"]).is_err());
        let help = |name: &str| {
            Cli::command()
                .find_subcommand_mut(name)
                .unwrap()
                .render_long_help()
                .to_string()
        };
        assert!(!help("token").contains("--listen"));
        assert!(!help("token").contains("--jwks-file"));
        assert!(help("token").contains("--data-dir"));
        assert!(!help("import").contains("--jwt-issuer"));
        assert!(!help("generate").contains("--database-url"));
        assert!(help("serve").contains("--request-timeout-secs"));
    }
}
