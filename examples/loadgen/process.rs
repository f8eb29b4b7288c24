//! The server as a process: resident memory from `/proc/<pid>/status`, and
//! the time from spawning the binary to health `SERVING`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// A `kB` field of `/proc/<pid>/status` (VmRSS, VmHWM), in KiB.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Samples a process's VmRSS every 20 ms on its own thread.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, peak) = (stop.clone(), peak.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(kib) = status_kib(pid, "VmRSS:") {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        RssSampler { stop, peak, thread }
    }

    /// The peak seen, KiB.
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartupResult {
    /// Spawn to SERVING with a fresh data directory (creates the database,
    /// migrates, loads the demo data), one per run, ms.
    pub cold_ms: Vec<f64>,
    /// Spawn to SERVING again on the same directory, ms.
    pub warm_ms: Vec<f64>,
    /// VmRSS two seconds after SERVING with the demo data, KiB (cold runs).
    pub idle_rss_kib: Vec<u64>,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM lets it drain and close the database like in production.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        if self.0.wait().is_err() {
            let _ = self.0.kill();
        }
    }
}

fn spawn(bin: &Path, data_dir: &Path, port: u16) -> anyhow::Result<Server> {
    let child = Command::new(bin)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env_remove("DATABASE_URL")
        .env_remove("CSP_DEMO_DATA")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(Server(child))
}

/// Polls health in a tight loop (a new connection until one is accepted,
/// then Check until SERVING); 1 ms between tries so the poller leaves the
/// cores to the server.
async fn until_serving(port: u16, started: Instant) -> anyhow::Result<f64> {
    wait_serving(
        &format!("http://127.0.0.1:{port}"),
        started,
        Duration::from_secs(30),
    )
    .await
}

/// Milliseconds from `started` until `addr` answers health `SERVING`.
pub async fn wait_serving(addr: &str, started: Instant, limit: Duration) -> anyhow::Result<f64> {
    let addr = addr.to_owned();
    let deadline = started + limit;
    loop {
        anyhow::ensure!(
            Instant::now() < deadline,
            "{addr} not SERVING after {limit:?}"
        );
        let Ok(channel) = tonic::transport::Endpoint::from_shared(addr.clone())?
            .connect()
            .await
        else {
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        };
        let mut health = HealthClient::new(channel);
        loop {
            anyhow::ensure!(
                Instant::now() < deadline,
                "{addr} not SERVING after {limit:?}"
            );
            let status = health
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map(|r| r.into_inner().status);
            if matches!(status, Ok(s) if s == ServingStatus::Serving as i32) {
                return Ok(started.elapsed().as_secs_f64() * 1000.0);
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// `runs` times: a fresh directory, spawn, SERVING, idle RSS, stop; then
/// start again on the same directory.
pub async fn startup(bin: &Path, runs: usize, scratch: &Path) -> anyhow::Result<StartupResult> {
    let mut result = StartupResult {
        cold_ms: Vec::new(),
        warm_ms: Vec::new(),
        idle_rss_kib: Vec::new(),
    };
    for run in 0..runs {
        let dir: PathBuf = scratch.join(format!("startup-{run}"));
        let _ = std::fs::remove_dir_all(&dir);
        let port = free_port()?;
        let started = Instant::now();
        let server = spawn(bin, &dir, port)?;
        result.cold_ms.push(until_serving(port, started).await?);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let pid = server.0.id();
        result
            .idle_rss_kib
            .push(status_kib(pid, "VmRSS:").unwrap_or(0));
        drop(server);

        let port = free_port()?;
        let started = Instant::now();
        let server = spawn(bin, &dir, port)?;
        result.warm_ms.push(until_serving(port, started).await?);
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(result)
}
