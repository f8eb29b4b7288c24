//! `loadgen stream` (issue 17): the whole partner through
//! `StreamEligibility`, as its client sees it, then the same partner the
//! anchor's way, one `CheckUpgradeEligibility` per subscription:
//!
//! - per view (`BASIC`, `FULL`): subscriptions received per second, the time
//!   from sending the call to the first message, and the server's peak RSS
//!   during the stream (VmRSS sampled every 20 ms; VmHWM after);
//! - the sweep: the stream's (customer, subscription) pairs checked one call
//!   each, in stream order, `--sweep-concurrency` calls in flight over
//!   `--connections` connections (as `run`), for `--sweep-duration` seconds;
//!   its rate and the stream's over it.
//!
//! Each figure is printed with the number of `rustc` processes running when
//! it was taken: the machine is shared, so compare runs taken side by side.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::load::{self, Call, PhaseResult, Settings};
use crate::process::{self, RssSampler};
use crate::{authed, pb};

#[derive(clap::Args)]
pub struct StreamArgs {
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// A bearer token of the partner to stream (`csp-upgrades token --user`).
    #[arg(long, env = "BENCH_TOKEN")]
    token: String,
    /// Views to stream, in turn, of basic,full.
    #[arg(long, value_delimiter = ',', default_value = "basic,full")]
    views: Vec<String>,
    /// Streams per view; the best is reported (the first warms the caches
    /// of the database).
    #[arg(long, default_value_t = 2)]
    repeat: usize,
    /// Seconds of one-call-per-subscription checks (0: skip the sweep).
    #[arg(long, default_value_t = 10)]
    sweep_duration: u64,
    #[arg(long, default_value_t = 64)]
    sweep_concurrency: usize,
    /// HTTP/2 connections of the sweep.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// The server's pid: samples its RSS during each stream.
    #[arg(long)]
    server_pid: Option<u32>,
    #[arg(long, default_value = "run")]
    label: String,
    #[arg(long)]
    json_out: Option<PathBuf>,
}

/// One stream of the whole partner.
#[derive(Debug, Clone, Serialize)]
pub struct StreamRun {
    pub view: String,
    pub messages: u64,
    pub seconds: f64,
    pub per_second: f64,
    /// From sending the call to the first message.
    pub first_message_ms: f64,
    /// Peak VmRSS sampled during the stream, KiB.
    pub rss_peak_kib: Option<u64>,
    pub rustc_processes: u32,
}

#[derive(Debug, Serialize)]
pub struct StreamResult {
    pub label: String,
    /// The best run per view.
    pub streams: Vec<StreamRun>,
    pub sweep: Option<PhaseResult>,
    /// BASIC stream subscriptions/s over sweep checks/s.
    pub stream_over_sweep: Option<f64>,
    /// The server's VmHWM at the end (its whole life), KiB.
    pub server_vmhwm_kib: Option<u64>,
}

/// `rustc` processes running now: how busy the shared machine is.
pub fn rustc_processes() -> u32 {
    std::process::Command::new("pgrep")
        .args(["-c", "-x", "rustc"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn view(name: &str) -> anyhow::Result<pb::EligibilityView> {
    match name {
        "basic" => Ok(pb::EligibilityView::Basic),
        "full" => Ok(pb::EligibilityView::Full),
        other => anyhow::bail!("unknown view {other}: basic or full"),
    }
}

/// Streams the partner once; `pairs` collects the (customer, subscription)
/// of every message when given.
async fn stream_once(
    channel: Channel,
    auth: &MetadataValue<Ascii>,
    view_name: &str,
    server_pid: Option<u32>,
    mut pairs: Option<&mut Vec<(String, String)>>,
) -> anyhow::Result<StreamRun> {
    let request = pb::StreamEligibilityRequest {
        view: view(view_name)? as i32,
        ..Default::default()
    };
    let rss = server_pid.map(RssSampler::start);
    let started = Instant::now();
    let mut stream = pb::upgrade_service_client::UpgradeServiceClient::new(channel)
        .max_decoding_message_size(16 * 1024 * 1024)
        .stream_eligibility(authed(request, auth))
        .await?
        .into_inner();
    let mut first = None;
    let mut messages = 0u64;
    while let Some(message) = stream.message().await? {
        if first.is_none() {
            first = Some(started.elapsed());
        }
        messages += 1;
        if let Some(pairs) = pairs.as_deref_mut()
            && let Some((c, s)) = message.cursor.split_once('.')
        {
            pairs.push((c.to_owned(), s.to_owned()));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(StreamRun {
        view: view_name.to_owned(),
        messages,
        seconds,
        per_second: messages as f64 / seconds,
        first_message_ms: first.unwrap_or_default().as_secs_f64() * 1000.0,
        rss_peak_kib: rss.map(RssSampler::stop),
        rustc_processes: rustc_processes(),
    })
}

/// One check per subscription, each once, in the stream's order.
#[derive(Clone)]
struct Sweep {
    auth: MetadataValue<Ascii>,
    pairs: Arc<Vec<(String, String)>>,
    next: Arc<AtomicUsize>,
}

impl Call for Sweep {
    async fn call(&self, channel: Channel, _: usize) -> Option<Result<(), tonic::Status>> {
        let (customer_id, subscription_id) = self
            .pairs
            .get(self.next.fetch_add(1, Ordering::Relaxed))?
            .clone();
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

pub async fn stream(args: StreamArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    process::wait_serving(&args.addr, started, Duration::from_secs(120)).await?;
    let auth: MetadataValue<Ascii> = format!("Bearer {}", args.token.trim())
        .parse()
        .context("the token is not header text")?;
    let channels = load::connect(&args.addr, args.connections.max(1))
        .await
        .with_context(|| format!("cannot connect to {}", args.addr))?;
    let mut pairs = Vec::new();
    let mut streams = Vec::new();
    for name in &args.views {
        let mut best: Option<StreamRun> = None;
        for i in 0..args.repeat.max(1) {
            let collect =
                (name == "basic" && i == 0 && args.sweep_duration > 0).then_some(&mut pairs);
            let run =
                stream_once(channels[0].clone(), &auth, name, args.server_pid, collect).await?;
            eprintln!(
                "{}: stream {name} #{}: {} subscriptions in {:.2} s = {:.0}/s, first message {:.1} ms, peak RSS {}, rustc processes {}",
                args.label,
                i + 1,
                run.messages,
                run.seconds,
                run.per_second,
                run.first_message_ms,
                mib(run.rss_peak_kib),
                run.rustc_processes
            );
            if best.as_ref().is_none_or(|b| run.per_second > b.per_second) {
                best = Some(run);
            }
        }
        streams.extend(best);
    }

    let sweep = if args.sweep_duration > 0 && !pairs.is_empty() {
        let settings = Settings {
            concurrency: args.sweep_concurrency,
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(args.sweep_duration),
            server_pid: args.server_pid,
        };
        let call = Sweep {
            auth: auth.clone(),
            pairs: Arc::new(pairs),
            next: Arc::default(),
        };
        let name = format!(
            "CheckUpgradeEligibility, each subscription once ({} calls in flight)",
            args.sweep_concurrency
        );
        let phase = load::run_phase(&name, &channels, &settings, call).await?;
        eprintln!(
            "{}: sweep: {} checks in {:.2} s = {:.0}/s (p50 {:.1} ms, p99 {:.1} ms, non-OK {}), rustc processes {}",
            args.label,
            phase.requests,
            phase.seconds,
            phase.rps,
            phase.p50_ms,
            phase.p99_ms,
            phase.non_ok_total(),
            rustc_processes()
        );
        Some(phase)
    } else {
        None
    };
    let basic = streams.iter().find(|s| s.view == "basic");
    let stream_over_sweep = basic.zip(sweep.as_ref()).map(|(b, s)| b.per_second / s.rps);
    if let Some(ratio) = stream_over_sweep {
        eprintln!("{}: stream BASIC / sweep = {ratio:.1}", args.label);
    }
    let result = StreamResult {
        label: args.label.clone(),
        streams,
        sweep,
        stream_over_sweep,
        server_vmhwm_kib: args
            .server_pid
            .and_then(|pid| process::status_kib(pid, "VmHWM:")),
    };
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("-".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}
