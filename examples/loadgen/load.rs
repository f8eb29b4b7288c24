//! Closed-loop load: `concurrency` tasks spread over a few HTTP/2
//! connections, each sending its next request as soon as the previous one
//! answers, for a fixed time. Every answer's latency goes into an HDR
//! histogram and its gRPC code into a count.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;
use tonic::transport::{Channel, Endpoint};

/// One RPC's measurement.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PhaseResult {
    pub name: String,
    pub concurrency: usize,
    pub requests: u64,
    pub seconds: f64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    /// gRPC code name -> count, OK excluded.
    pub non_ok: BTreeMap<String, u64>,
    /// This phase's throughput over the health check's.
    pub ratio_to_floor: Option<f64>,
    /// The phase stopped early: it ran out of work (e.g. fresh customers).
    pub exhausted: bool,
    /// Peak server RSS seen during the phase, KiB, when a pid was given.
    pub rss_peak_kib: Option<u64>,
}

impl PhaseResult {
    pub fn non_ok_total(&self) -> u64 {
        self.non_ok.values().sum()
    }
}

pub async fn connect(addr: &str, connections: usize) -> anyhow::Result<Vec<Channel>> {
    let mut channels = Vec::with_capacity(connections);
    for _ in 0..connections {
        // One Endpoint::connect is one HTTP/2 connection; clones share it.
        let channel = Endpoint::from_shared(addr.to_owned())?
            .tcp_nodelay(true)
            .connect()
            .await?;
        channels.push(channel);
    }
    Ok(channels)
}

/// What a task does per request: `Some(result)` for a request sent, `None`
/// when there is no work left.
pub trait Call: Clone + Send + Sync + 'static {
    fn call(
        &self,
        channel: Channel,
        task: usize,
    ) -> impl Future<Output = Option<Result<(), tonic::Status>>> + Send;
}

pub struct Settings {
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub server_pid: Option<u32>,
}

struct TaskStats {
    histogram: Histogram<u64>,
    /// By `tonic::Code as i32` (Code is not `Ord`).
    codes: BTreeMap<i32, u64>,
    exhausted: bool,
    /// When the last counted answer arrived.
    last: Option<Instant>,
}

pub async fn run_phase<C: Call>(
    name: &str,
    channels: &[Channel],
    settings: &Settings,
    call: C,
) -> anyhow::Result<PhaseResult> {
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let rss = settings.server_pid.map(crate::process::RssSampler::start);
    let mut tasks = Vec::with_capacity(settings.concurrency);
    for task in 0..settings.concurrency {
        let channel = channels[task % channels.len()].clone();
        let call = call.clone();
        let (measuring, stop) = (measuring.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut stats = TaskStats {
                histogram: Histogram::new_with_bounds(1, 120_000_000, 3).expect("bounds"),
                codes: BTreeMap::new(),
                exhausted: false,
                last: None,
            };
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let Some(result) = call.call(channel.clone(), task).await else {
                    stats.exhausted = true;
                    break;
                };
                if measuring.load(Ordering::Relaxed) {
                    let micros = started.elapsed().as_micros().max(1) as u64;
                    stats.histogram.saturating_record(micros);
                    let code = result.err().map_or(tonic::Code::Ok, |s| s.code());
                    *stats.codes.entry(code as i32).or_default() += 1;
                    stats.last = Some(Instant::now());
                }
            }
            stats
        }));
    }
    tokio::time::sleep(settings.warmup).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(settings.duration).await;
    // Answers after this instant are not counted in the time either.
    measuring.store(false, Ordering::Relaxed);
    let mut seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);

    let mut histogram = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)?;
    let mut codes: BTreeMap<i32, u64> = BTreeMap::new();
    let mut exhausted = false;
    let mut last: Option<Instant> = None;
    for t in tasks {
        let stats = t.await?;
        histogram.add(&stats.histogram)?;
        for (code, n) in stats.codes {
            *codes.entry(code).or_default() += n;
        }
        exhausted |= stats.exhausted;
        last = last.max(stats.last);
    }
    if exhausted {
        // The work ran out before the time did: rate over the time it lasted.
        if let Some(last) = last {
            seconds = seconds.min(last.duration_since(started).as_secs_f64());
        }
    }
    let requests = histogram.len();
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Ok(PhaseResult {
        name: name.to_owned(),
        concurrency: settings.concurrency,
        requests,
        seconds,
        rps: requests as f64 / seconds,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        non_ok: codes
            .into_iter()
            .filter(|(c, _)| *c != tonic::Code::Ok as i32)
            .map(|(c, n)| (format!("{:?}", tonic::Code::from_i32(c)), n))
            .collect(),
        ratio_to_floor: None,
        exhausted,
        rss_peak_kib: rss.map(|r| r.stop()),
    })
}
