//! `loadgen batch` (issue 17): orders per second through `SubmitUpgrades`
//! (`--batch-size` items a call, `--batch-clients` calls in flight) against
//! `SubmitUpgrade` one at a time from `--submit-clients` clients, against the
//! same server in the same run. Every item is an upgrade its customer is
//! eligible for (`plan`), and no customer is used twice across both phases:
//! the first third of the planned upgrades go to the single calls, the rest
//! to the batches.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use csp_upgrades::domain::catalog::Catalog;
use serde::Serialize;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::load::{self, PhaseResult, Settings};
use crate::stream::rustc_processes;
use crate::{Submit, authed, pb, plan, process};

#[derive(clap::Args)]
pub struct BatchArgs {
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// The dataset file the server was loaded with (`csp-upgrades generate`).
    #[arg(long)]
    dataset: PathBuf,
    /// The partner user the token is for.
    #[arg(long, default_value = "bench-ga@bench.example")]
    upn: String,
    /// A bearer token of that user (`csp-upgrades token --user`).
    #[arg(long, env = "BENCH_TOKEN")]
    token: String,
    #[arg(long, default_value_t = 32)]
    submit_clients: usize,
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    #[arg(long, default_value_t = 4)]
    batch_clients: usize,
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Seconds measured per phase.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    #[arg(long, default_value = "run")]
    label: String,
    #[arg(long)]
    json_out: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct BatchPhase {
    pub calls: u64,
    /// Items answered with an order.
    pub orders: u64,
    /// Items answered with an error.
    pub refused: u64,
    pub seconds: f64,
    pub orders_per_second: f64,
    /// The work ran out before the time did.
    pub exhausted: bool,
}

#[derive(Debug, Serialize)]
pub struct BatchResult {
    pub label: String,
    pub single: PhaseResult,
    pub batch: BatchPhase,
    /// Batch orders/s over single orders/s.
    pub ratio: f64,
    pub rustc_processes: u32,
}

pub async fn batch(args: BatchArgs) -> anyhow::Result<()> {
    let catalog = Catalog::builtin()?;
    let plan = plan::plan(&args.dataset, &catalog, &args.upn, 0, false)?;
    process::wait_serving(&args.addr, Instant::now(), Duration::from_secs(120)).await?;
    let auth: MetadataValue<Ascii> = format!("Bearer {}", args.token.trim())
        .parse()
        .context("the token is not header text")?;
    let channels = load::connect(&args.addr, args.connections.max(1)).await?;
    let split = plan.submits.len() / 3;
    let (singles, batches) = plan.submits.split_at(split);
    eprintln!(
        "{}: {} upgrades for single calls, {} for batches of {}",
        args.label,
        singles.len(),
        batches.len(),
        args.batch_size
    );

    let settings = Settings {
        concurrency: args.submit_clients,
        warmup: Duration::from_secs(1),
        duration: Duration::from_secs(args.duration),
        server_pid: None,
    };
    let submit = Submit {
        auth: auth.clone(),
        work: Arc::new(singles.to_vec()),
        next: Arc::default(),
    };
    let name = format!("SubmitUpgrade ({} clients)", args.submit_clients);
    let single = load::run_phase(&name, &channels, &settings, submit).await?;
    eprintln!(
        "{}: SubmitUpgrade x{}: {:.0} orders/s ({} calls, non-OK {}){}",
        args.label,
        args.submit_clients,
        single.rps - single.non_ok_total() as f64 / single.seconds,
        single.requests,
        single.non_ok_total(),
        if single.exhausted {
            " [ran out of work]"
        } else {
            ""
        }
    );

    let batch = run_batches(&args, &channels, &auth, batches).await?;
    let single_orders = single.rps - single.non_ok_total() as f64 / single.seconds;
    let ratio = batch.orders_per_second / single_orders;
    eprintln!(
        "{}: SubmitUpgrades ({} a call, {} in flight): {:.0} orders/s ({} calls, {} refused){}; ratio to single {ratio:.2}",
        args.label,
        args.batch_size,
        args.batch_clients,
        batch.orders_per_second,
        batch.calls,
        batch.refused,
        if batch.exhausted {
            " [ran out of work]"
        } else {
            ""
        }
    );
    let result = BatchResult {
        label: args.label.clone(),
        single,
        batch,
        ratio,
        rustc_processes: rustc_processes(),
    };
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

fn item(s: &plan::Submit) -> pb::SubmitUpgradeRequest {
    pb::SubmitUpgradeRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        customer_id: s.customer.to_string(),
        subscription_id: s.subscription.to_string(),
        target_offer_id: s.target.to_string(),
        quantity: s.quantity,
        upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
        billing_cycle: pb::BillingCycle::Unspecified as i32,
        ..Default::default()
    }
}

/// Closed-loop batches: each client sends its next batch once the last one
/// is answered; a second of warm-up, then `--duration` seconds counted.
async fn run_batches(
    args: &BatchArgs,
    channels: &[Channel],
    auth: &MetadataValue<Ascii>,
    work: &[plan::Submit],
) -> anyhow::Result<BatchPhase> {
    let chunks: Arc<Vec<Vec<plan::Submit>>> =
        Arc::new(work.chunks(args.batch_size).map(<[_]>::to_vec).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let (calls, orders, refused) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let exhausted = Arc::new(AtomicBool::new(false));
    let last = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let mut tasks = Vec::new();
    for task in 0..args.batch_clients {
        let channel = channels[task % channels.len()].clone();
        let (chunks, next, measuring, stop) = (
            chunks.clone(),
            next.clone(),
            measuring.clone(),
            stop.clone(),
        );
        let (calls, orders, refused, exhausted, last) = (
            calls.clone(),
            orders.clone(),
            refused.clone(),
            exhausted.clone(),
            last.clone(),
        );
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = pb::upgrade_service_client::UpgradeServiceClient::new(channel)
                .max_decoding_message_size(64 * 1024 * 1024);
            while !stop.load(Ordering::Relaxed) {
                let Some(chunk) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    exhausted.store(true, Ordering::Relaxed);
                    break;
                };
                let request = pb::SubmitUpgradesRequest {
                    requests: chunk.iter().map(item).collect(),
                };
                let answer = client.submit_upgrades(authed(request, &auth)).await?;
                if measuring.load(Ordering::Relaxed) {
                    let results = answer.into_inner().results;
                    let ok = results
                        .iter()
                        .filter(|r| {
                            matches!(r.result, Some(pb::submit_upgrade_result::Result::Order(_)))
                        })
                        .count() as u64;
                    calls.fetch_add(1, Ordering::Relaxed);
                    orders.fetch_add(ok, Ordering::Relaxed);
                    refused.fetch_add(results.len() as u64 - ok, Ordering::Relaxed);
                    *last.lock().expect("not poisoned") = Some(Instant::now());
                }
            }
            Ok::<_, tonic::Status>(())
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    measuring.store(false, Ordering::Relaxed);
    let mut seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await??;
    }
    let exhausted = exhausted.load(Ordering::Relaxed);
    if exhausted && let Some(last) = *last.lock().expect("not poisoned") {
        seconds = seconds.min(last.duration_since(started).as_secs_f64());
    }
    let orders = orders.load(Ordering::Relaxed);
    Ok(BatchPhase {
        calls: calls.load(Ordering::Relaxed),
        orders,
        refused: refused.load(Ordering::Relaxed),
        seconds,
        orders_per_second: orders as f64 / seconds,
        exhausted,
    })
}
