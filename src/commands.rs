//! What each subcommand does; `main.rs` only parses and dispatches.

pub mod sync;

use std::sync::Arc;

use anyhow::{Context, bail};

use crate::app::{App, Policy};
use crate::auth::jwt::{self, Claims, TokenVerifier};
use crate::cache::CacheOptions;
use crate::clock::SystemClock;
use crate::config::{
    CatalogArgs, ClaimArgs, GenerateArgs, ImportArgs, RunDueArgs, ServeArgs, TokenArgs,
};
use crate::domain::catalog::Catalog;
use crate::domain::dataset::Dataset;
use crate::domain::ids::PartnerId;
use crate::server::{self, Database, ServerOptions};
use crate::startup;
use crate::state::AppState;
use crate::telemetry;

pub fn load_catalog(args: &CatalogArgs) -> anyhow::Result<Catalog> {
    match &args.catalog_file {
        Some(path) => Catalog::from_file(path)
            .with_context(|| format!("catalog {} is invalid", path.display())),
        None => Catalog::builtin().context("the built-in catalog is invalid"),
    }
}

/// The server's token verifier: the JWKS when given, else the development
/// key of the data directory (made on first use).
pub fn verifier(args: &ServeArgs) -> anyhow::Result<TokenVerifier> {
    let ClaimArgs {
        jwt_issuer,
        jwt_audience,
    } = &args.claims;
    Ok(match &args.jwks_file {
        Some(path) => TokenVerifier::from_jwks_file(path, jwt_issuer, jwt_audience)?,
        None => dev_verifier(&args.data.data_dir, &args.claims)?.0,
    })
}

/// The development key's verifier, and whether the key was made just now.
fn dev_verifier(
    data_dir: &std::path::Path,
    claims: &ClaimArgs,
) -> anyhow::Result<(TokenVerifier, bool)> {
    let created = !dev_key_path(data_dir).exists();
    let key = jwt::load_or_create_dev_key(data_dir)
        .with_context(|| format!("dev signing key in {}", data_dir.display()))?;
    let verifier = TokenVerifier::dev(&key, &claims.jwt_issuer, &claims.jwt_audience);
    Ok((verifier, created))
}

fn dev_key_path(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("dev-jwt.key")
}

pub async fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let verifier = verifier(args)?;
    let catalog = Arc::new(load_catalog(&args.catalog)?);
    let url = args.data.database_url();
    let is_sqlite = url.starts_with("sqlite:");
    let options = crate::state::Options {
        credit_check_thresholds: args.credit_check_thresholds.clone(),
        cache: crate::cache::CacheOptions {
            roles_ttl: std::time::Duration::from_millis(args.role_cache_ttl_ms),
            snapshots_ttl: std::time::Duration::from_millis(args.snapshot_cache_ttl_ms),
            snapshot_rows: args.snapshot_cache_rows,
            ..Default::default()
        },
        sync_apps: args
            .sync_apps
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect(),
        scheduled_runner_interval: std::time::Duration::from_millis(
            args.scheduled_runner_interval_ms,
        ),
    };
    let state = AppState::with_options(catalog, verifier, Arc::new(SystemClock), options);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        database = %crate::storage::redacted(&url),
        auth = ?state.verifier(),
        "csp-upgrades listening; get a token with: csp-upgrades token --user ga@contoso-csp.example"
    );
    let database = Database {
        url,
        load_demo: args.demo_data.unwrap_or(is_sqlite),
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(server::Tls::load(cert, key, args.client_ca.as_deref())?),
        _ => None,
    };
    if let Some(tls) = &tls {
        tracing::info!(?tls, "serving TLS");
    }
    // One signal, seen by both servers.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics = match args.metrics_addr() {
        Some(addr) => Some(serve_metrics(addr, state.clone(), stopped.clone()).await?),
        None => None,
    };
    let options = ServerOptions::from(args);
    tracing::info!(?options, "server limits");
    let served = server::run_with(listener, state, database, options, tls, async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    })
    .await;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    served
}

/// Binds the Prometheus endpoint and serves it in the background until the
/// signal flips.
async fn serve_metrics(
    addr: std::net::SocketAddr,
    state: AppState,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let handle = telemetry::metrics::install()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} for metrics"))?;
    tracing::info!(metrics_listen = %listener.local_addr()?, "serving Prometheus metrics at /metrics");
    Ok(tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(e) =
            telemetry::metrics::serve(listener, handle, move || state.pool_stats(), shutdown).await
        {
            tracing::error!(error = %format!("{e:#}"), "metrics endpoint failed");
        }
    }))
}

/// SIGTERM (Kubernetes) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Prints a token for a partner user (looked up by UPN) or an app.
/// The key file used goes to stderr (stdout is the token alone), with a
/// warning when it did not exist yet: a server started with another data
/// directory would refuse the token ("signature does not verify").
pub async fn token(args: &TokenArgs) -> anyhow::Result<()> {
    let data_dir = &args.data.data_dir;
    let (verifier, created) = dev_verifier(data_dir, &args.claims)?;
    let key_file = dev_key_path(data_dir);
    if created {
        eprintln!(
            "warning: created a new development key {}: only a server started with \
             --data-dir {} (CSP_DATA_DIR) accepts this token; run `token` with the \
             server's data directory to sign for a running server",
            key_file.display(),
            data_dir.display()
        );
    } else {
        eprintln!("signed with the development key {}", key_file.display());
    }
    let now = chrono::Utc::now().timestamp();
    let (sub, partner_id, app_id) = match (&args.user, &args.app) {
        (Some(upn), None) => {
            let catalog = load_catalog(&args.catalog)?;
            let url = args.data.database_url();
            let store = startup::open_store(&url, &catalog, url.starts_with("sqlite:")).await?;
            let user = store
                .partner_user_by_upn(upn)
                .await?
                .with_context(|| format!("no partner user with UPN {upn}"))?;
            (user.id.to_string(), user.partner_id, None)
        }
        (None, Some(app)) => {
            let partner = args.partner.as_deref().unwrap_or_default();
            let partner =
                PartnerId::parse(partner).context("--partner must be a partner id (UUID)")?;
            (app.clone(), partner, Some(app.clone()))
        }
        _ => bail!("give --user <upn> or --app <id> --partner <partner-id>"),
    };
    let claims = Claims {
        iss: verifier.issuer().to_owned(),
        aud: verifier.audience().to_owned(),
        sub,
        exp: now + args.ttl,
        nbf: None,
        iat: now,
        partner_id: partner_id.to_string(),
        app_id,
    };
    println!("{}", verifier.mint_dev(&claims)?);
    Ok(())
}

/// Validates the whole file before writing anything, then writes it in one
/// transaction.
pub async fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(&args.catalog)?;
    // Parsed as it is read, as `sync` does: a large file is never held as
    // text beside its records.
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let dataset = Dataset::from_reader(std::io::BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("{} is not a dataset", args.file.display()))?
        .validate(&catalog)
        .map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
            anyhow::anyhow!(
                "{} has {} error(s); nothing was imported:\n{}",
                args.file.display(),
                errors.len(),
                list.join("\n")
            )
        })?;
    let catalog = Arc::new(catalog);
    let store = startup::open_store(&args.data.database_url(), &catalog, false).await?;
    // Through the use case, as the server's writes go: it announces the
    // change to this process' bus (the triggers tell other replicas).
    let app = App::new(
        store,
        catalog,
        Arc::new(SystemClock),
        Policy::default(),
        CacheOptions::default(),
    );
    let summary = app
        .import(&dataset)
        .await
        .context("import failed; nothing was imported")?;
    println!("imported {summary:?}");
    Ok(())
}

/// Runs every scheduled upgrade due now, once, then exits (a CronJob's
/// command). Safe beside running servers and other `run-due` processes:
/// the database lets each order run once.
pub async fn run_due(args: &RunDueArgs) -> anyhow::Result<()> {
    let catalog = Arc::new(load_catalog(&args.catalog)?);
    let store = startup::open_store(&args.data.database_url(), &catalog, false).await?;
    let policy = crate::app::Policy {
        credit_check_thresholds: args.credit_check_thresholds.clone(),
    };
    let cache = crate::cache::CacheOptions::default();
    let app = crate::app::App::new(store, catalog, Arc::new(SystemClock), policy, cache);
    let name = server::runner::runner_name();
    let report = app
        .run_all_due(&name, server::runner::BATCH)
        .await
        .context("running the due scheduled upgrades failed")?;
    println!(
        "run-due {name}: claimed {} due order(s), ran {}",
        report.claimed, report.ran
    );
    Ok(())
}

/// Writes a synthetic dataset; see [`crate::generate`].
pub fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(&args.catalog)?;
    let anchor = args.anchor.unwrap_or_else(|| {
        chrono::Utc::now()
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
    });
    let spec = crate::generate::Spec {
        customers: args.customers,
        subscriptions_per_customer: args.subscriptions,
        users_per_subscription: args.users_per_subscription,
        big_customer_subscriptions: args.big_customer_subscriptions,
        seed: args.seed,
        anchor,
    };
    let data = crate::generate::generate(&catalog, &spec);
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut out, &crate::generate::to_raw(&data))?;
    std::io::Write::flush(&mut out)?;
    println!(
        "wrote {}: {} customers, {} subscriptions, {} users",
        args.out.display(),
        data.customers.len(),
        data.subscriptions.len(),
        data.customer_users.len()
    );
    Ok(())
}
