//! Load generator for csp-upgrades (issue 6). `scripts/bench.sh` drives it;
//! on its own:
//!
//! ```sh
//! cargo run --release --example loadgen -- run --addr http://127.0.0.1:50051 \
//!     --dataset bench.json --data-dir data
//! cargo run --release --example loadgen -- startup --bin target/release/csp-upgrades
//! ```
//!
//! `run` measures, against one server process and with the same
//! concurrency and duration, `grpc.health.v1.Health/Check` (the floor) and
//! then each measured RPC, and prints requests/s, p50/p99/p99.9, the non-OK
//! answers by code and the ratio to the floor.

mod batch;
mod big_customer;
mod h2load;
mod load;
mod plan;
mod process;
mod report;
mod schedule;
mod stream;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use csp_upgrades::auth::jwt::{Claims, TokenVerifier};
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::grpc::pb;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use load::{Call, Settings};

#[derive(Parser)]
#[command(about = "csp-upgrades load generator")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Load one running server: health (the floor), then each measured RPC.
    Run(RunArgs),
    /// Time spawn-to-SERVING on the embedded database and the idle RSS.
    Startup {
        /// The release binary.
        #[arg(long, default_value = "target/release/csp-upgrades")]
        bin: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Where to put the throw-away data directories.
        #[arg(long, default_value = "target/bench")]
        scratch: PathBuf,
        #[arg(long)]
        json_out: Option<PathBuf>,
    },
    /// One table from the JSON results of `run` (per backend) and `startup`.
    Report(report::ReportArgs),
    /// Submit upgrades scheduled for the renewal, one per customer (for
    /// scripts/bench-runner.sh; not a measurement).
    Schedule(ScheduleArgs),
    /// The whole partner through StreamEligibility (BASIC, FULL), then one
    /// CheckUpgradeEligibility per subscription (issue 17).
    Stream(stream::StreamArgs),
    /// SubmitUpgrades in batches against single SubmitUpgrade calls
    /// (issue 17).
    Batch(batch::BatchArgs),
    /// Write the gRPC request bodies and the header h2load sends.
    H2loadInput(h2load::H2loadArgs),
    /// Latency of one big customer's pages and checks (issue 15).
    BigCustomer(big_customer::BigCustomerArgs),
}

#[derive(clap::Args)]
struct ScheduleArgs {
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// The dataset file the server was loaded with (`csp-upgrades generate`).
    #[arg(long)]
    dataset: PathBuf,
    /// The server's data directory, for its dev signing key (dev-jwt.key).
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    #[arg(long, default_value = "bench-ga@bench.example")]
    upn: String,
    #[arg(long, default_value = "csp-upgrades-dev")]
    issuer: String,
    #[arg(long, default_value = "csp-upgrades")]
    audience: String,
    /// How many to schedule (at most one per customer).
    #[arg(long)]
    count: usize,
    /// Calls in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

#[derive(clap::Args)]
struct RunArgs {
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// The dataset file the server was loaded with (`csp-upgrades generate`).
    #[arg(long)]
    dataset: PathBuf,
    /// The server's data directory, for its dev signing key (dev-jwt.key).
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    #[arg(long, default_value = "bench-ga@bench.example")]
    upn: String,
    #[arg(long, default_value = "csp-upgrades-dev")]
    issuer: String,
    #[arg(long, default_value = "csp-upgrades")]
    audience: String,
    /// HTTP/2 connections; the tasks share them.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Concurrent requests in flight.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Concurrent SubmitUpgrade clients, each on its own customers.
    #[arg(long, default_value_t = 32)]
    submit_clients: usize,
    /// Seconds measured per RPC.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of unmeasured load before each measurement.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Customers whose subscriptions CheckUpgradeEligibility cycles through.
    #[arg(long, default_value_t = 500)]
    check_customers: usize,
    /// Which RPCs to load, of health,check,list,submit, and the SPEC §8
    /// kinds submit-partial,submit-into (health is the floor the ratios
    /// need).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "health,check,list,submit,submit-partial,submit-into"
    )]
    rpcs: Vec<String>,
    /// Seconds of each reading RPC again at concurrency 1 (unloaded
    /// latency; 0: skip).
    #[arg(long, default_value_t = 3)]
    single_duration: u64,
    /// The server's pid: samples its VmRSS during the load.
    #[arg(long)]
    server_pid: Option<u32>,
    /// A name for this run in the tables (e.g. the backend).
    #[arg(long, default_value = "run")]
    label: String,
    #[arg(long)]
    json_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Run(args) => run(args).await,
        Cmd::Startup {
            bin,
            runs,
            scratch,
            json_out,
        } => {
            std::fs::create_dir_all(&scratch)?;
            let result = process::startup(&bin, runs, &scratch).await?;
            report::print_startup(&result);
            if let Some(path) = json_out {
                std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
            }
            Ok(())
        }
        Cmd::Report(args) => report::report(&args),
        Cmd::Schedule(args) => {
            let catalog = Catalog::builtin()?;
            let plan = plan::plan(&args.dataset, &catalog, &args.upn, 1, false)?;
            anyhow::ensure!(
                plan.submits.len() >= args.count,
                "the dataset has {} customers with an eligible upgrade, fewer than {}",
                plan.submits.len(),
                args.count
            );
            let auth = token(&args.data_dir, &args.issuer, &args.audience, &plan)?;
            let started = std::time::Instant::now();
            process::wait_serving(&args.addr, started, Duration::from_secs(60)).await?;
            let channel = Channel::from_shared(args.addr.clone())?.connect().await?;
            let work = &plan.submits[..args.count];
            schedule::schedule(channel, auth, work, args.concurrency).await
        }
        Cmd::Stream(args) => stream::stream(args).await,
        Cmd::Batch(args) => batch::batch(args).await,
        Cmd::H2loadInput(args) => h2load::h2load_input(args).await,
        Cmd::BigCustomer(args) => big_customer::big_customer(args).await,
    }
}

fn token(
    data_dir: &std::path::Path,
    issuer: &str,
    audience: &str,
    plan: &plan::Plan,
) -> anyhow::Result<MetadataValue<Ascii>> {
    let path = data_dir.join("dev-jwt.key");
    anyhow::ensure!(path.exists(), "no dev key at {}", path.display());
    let key = csp_upgrades::auth::jwt::load_or_create_dev_key(data_dir)?;
    let verifier = TokenVerifier::dev(&key, issuer, audience);
    let now = chrono::Utc::now().timestamp();
    let token = verifier.mint_dev(&Claims {
        iss: issuer.to_owned(),
        aud: audience.to_owned(),
        sub: plan.user.to_string(),
        exp: now + 3600,
        nbf: None,
        iat: now,
        partner_id: plan.partner.to_string(),
        app_id: None,
    })?;
    Ok(format!("Bearer {token}").parse()?)
}

fn authed<T>(message: T, auth: &MetadataValue<Ascii>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", auth.clone());
    request
}

#[derive(Clone)]
struct Health;

impl Call for Health {
    async fn call(&self, channel: Channel, _: usize) -> Option<Result<(), tonic::Status>> {
        let request = HealthCheckRequest {
            service: String::new(),
        };
        Some(HealthClient::new(channel).check(request).await.map(drop))
    }
}

#[derive(Clone)]
struct Check {
    auth: MetadataValue<Ascii>,
    targets: Arc<Vec<(String, String)>>,
    next: Arc<AtomicUsize>,
}

impl Call for Check {
    async fn call(&self, channel: Channel, _: usize) -> Option<Result<(), tonic::Status>> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.targets.len();
        let (customer_id, subscription_id) = self.targets[i].clone();
        let request = pb::CheckUpgradeEligibilityRequest {
            customer_id,
            subscription_id,
            target_offer_id: String::new(),
            as_of: 0,
        };
        let mut client = pb::upgrade_service_client::UpgradeServiceClient::new(channel);
        Some(
            client
                .check_upgrade_eligibility(authed(request, &self.auth))
                .await
                .map(drop),
        )
    }
}

#[derive(Clone)]
struct List {
    auth: MetadataValue<Ascii>,
    customer_id: String,
    page_size: u32,
}

impl Call for List {
    async fn call(&self, channel: Channel, _: usize) -> Option<Result<(), tonic::Status>> {
        let request = pb::ListSubscriptionsRequest {
            customer_id: self.customer_id.clone(),
            page_size: self.page_size,
            page_token: String::new(),
            ..Default::default()
        };
        let mut client = pb::customer_service_client::CustomerServiceClient::new(channel)
            .max_decoding_message_size(64 * 1024 * 1024);
        Some(
            client
                .list_subscriptions(authed(request, &self.auth))
                .await
                .map(drop),
        )
    }
}

#[derive(Clone)]
struct Submit {
    auth: MetadataValue<Ascii>,
    work: Arc<Vec<plan::Submit>>,
    next: Arc<AtomicUsize>,
}

impl Call for Submit {
    async fn call(&self, channel: Channel, _: usize) -> Option<Result<(), tonic::Status>> {
        // Each customer once across all clients: no two clients share one.
        let s = self.work.get(self.next.fetch_add(1, Ordering::Relaxed))?;
        let request = pb::SubmitUpgradeRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            customer_id: s.customer.to_string(),
            subscription_id: s.subscription.to_string(),
            target_offer_id: s.target.to_string(),
            quantity: s.quantity,
            upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
            billing_cycle: pb::BillingCycle::Unspecified as i32,
            partial: s.partial,
            user_ids: s.users.iter().map(ToString::to_string).collect(),
            target_subscription_id: s.into.map(|t| t.to_string()).unwrap_or_default(),
            ..Default::default()
        };
        let mut client = pb::upgrade_service_client::UpgradeServiceClient::new(channel);
        Some(
            client
                .submit_upgrade(authed(request, &self.auth))
                .await
                .map(drop),
        )
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let catalog = Catalog::builtin()?;
    let plan = plan::plan(
        &args.dataset,
        &catalog,
        &args.upn,
        args.check_customers,
        true,
    )?;
    // The caller may have just started the server: wait for it.
    process::wait_serving(
        &args.addr,
        std::time::Instant::now(),
        Duration::from_secs(120),
    )
    .await?;
    let auth = token(&args.data_dir, &args.issuer, &args.audience, &plan)?;
    let channels = load::connect(&args.addr, args.connections)
        .await
        .with_context(|| format!("cannot connect to {}", args.addr))?;
    let settings = |concurrency| Settings {
        concurrency,
        warmup: Duration::from_secs(args.warmup),
        duration: Duration::from_secs(args.duration),
        server_pid: args.server_pid,
    };
    let page_size = plan.big.1.min(1000) as u32;
    eprintln!(
        "{}: checking {} subscriptions of {}-subscription customers; listing {} of {} subscriptions; upgrades planned: {} whole, {} partial, {} into existing",
        args.label,
        plan.checks.len(),
        plan.check_subs,
        page_size,
        plan.big.1,
        plan.submits.len(),
        plan.partial_submits.len(),
        plan.into_submits.len()
    );

    let check = Check {
        auth: auth.clone(),
        targets: Arc::new(
            plan.checks
                .iter()
                .map(|(c, s)| (c.to_string(), s.to_string()))
                .collect(),
        ),
        next: Arc::default(),
    };
    let list = List {
        auth: auth.clone(),
        customer_id: plan.big.0.to_string(),
        page_size,
    };
    let submit = |work: &[plan::Submit]| Submit {
        auth: auth.clone(),
        work: Arc::new(work.to_vec()),
        next: Arc::default(),
    };
    let names = [
        "Health/Check (floor)".to_owned(),
        format!(
            "CheckUpgradeEligibility ({} subs, all targets)",
            plan.check_subs
        ),
        format!("ListSubscriptions ({} subs, page {page_size})", plan.big.1),
        format!(
            "SubmitUpgrade ({} clients, distinct customers)",
            args.submit_clients
        ),
        format!(
            "SubmitUpgrade partial, 1 seat ({} clients)",
            args.submit_clients
        ),
        format!(
            "SubmitUpgrade into existing ({} clients)",
            args.submit_clients
        ),
    ];
    let wanted = |rpc: &str| args.rpcs.iter().any(|r| r == rpc);
    let mut phases = Vec::new();
    let mut single = Vec::new();
    for (pass, out) in [(false, &mut phases), (true, &mut single)] {
        if pass && args.single_duration == 0 {
            break;
        }
        let s = |concurrency| {
            let mut s = settings(concurrency);
            if pass {
                s.concurrency = 1;
                s.warmup = Duration::from_millis(500);
                s.duration = Duration::from_secs(args.single_duration);
            }
            s
        };
        let c = args.concurrency;
        if wanted("health") {
            out.push(load::run_phase(&names[0], &channels, &s(c), Health).await?);
        }
        if wanted("check") {
            out.push(load::run_phase(&names[1], &channels, &s(c), check.clone()).await?);
        }
        if wanted("list") {
            out.push(load::run_phase(&names[2], &channels, &s(c), list.clone()).await?);
        }
        // Not repeated one at a time: each call uses up a fresh customer.
        let n = args.submit_clients;
        let kinds = [
            ("submit", &names[3], &plan.submits),
            ("submit-partial", &names[4], &plan.partial_submits),
            ("submit-into", &names[5], &plan.into_submits),
        ];
        for (rpc, name, work) in kinds {
            if wanted(rpc) && !pass {
                out.push(load::run_phase(name, &channels, &s(n), submit(work)).await?);
            }
        }
    }

    if let Some(floor) = phases.iter().find(|p| p.name == names[0]).map(|p| p.rps) {
        for p in phases.iter_mut().filter(|p| p.name != names[0]) {
            p.ratio_to_floor = Some(p.rps / floor);
        }
    }
    let result = report::RunResult {
        label: args.label.clone(),
        connections: args.connections,
        phases,
        single,
        server_vmhwm_kib: args
            .server_pid
            .and_then(|pid| process::status_kib(pid, "VmHWM:")),
        server_rss_after_kib: args
            .server_pid
            .and_then(|pid| process::status_kib(pid, "VmRSS:")),
    };
    report::print_run(&result);
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}
