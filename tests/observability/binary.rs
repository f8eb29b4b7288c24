//! The real `csp-upgrades` binary as a child process: JSON logs captured from
//! its stderr, both ports read from its own log lines, a token minted by its
//! `token` subcommand. Killed when dropped.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::common::db::{self, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_csp-upgrades");
/// Logged by the harness when the server's stderr closes.
const EXITED: &str = "<csp-upgrades exited>";

pub struct Binary {
    child: Child,
    logs: Arc<Mutex<Vec<Value>>>,
    pub grpc: SocketAddr,
    pub metrics: SocketAddr,
    pub channel: Channel,
    env: Vec<(String, String)>,
    _data_dir: tempfile::TempDir,
    _db: TestDb,
}

impl Binary {
    /// Starts the server on ports 0 with the demo data and `extra` flags,
    /// and waits until it is SERVING (bounded).
    pub async fn start(extra: &[&str]) -> Binary {
        let db = db::fresh().await;
        let data_dir = tempfile::tempdir().unwrap();
        let env = vec![
            ("DATABASE_URL".to_owned(), db.url.clone()),
            (
                "CSP_DATA_DIR".to_owned(),
                data_dir.path().display().to_string(),
            ),
            ("CSP_LOG_FORMAT".to_owned(), "json".to_owned()),
            // Calls that succeed are logged at debug.
            (
                "RUST_LOG".to_owned(),
                "info,csp_upgrades::telemetry::layer=debug".to_owned(),
            ),
        ];
        let mut command = Command::new(BIN);
        command
            .args([
                "--listen=127.0.0.1:0",
                "--metrics-listen=127.0.0.1:0",
                "--demo-data=true",
            ])
            .args(extra)
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("CSP_CORS_ALLOWED_ORIGINS")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start csp-upgrades");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                sink.lock().unwrap().push(value);
            }
            sink.lock().unwrap().push(Value::String(EXITED.into()));
        });

        let mut binary = Binary {
            child,
            logs,
            grpc: "0.0.0.0:0".parse().unwrap(),
            metrics: "0.0.0.0:0".parse().unwrap(),
            channel: Channel::from_static("http://127.0.0.1:1").connect_lazy(),
            env,
            _data_dir: data_dir,
            _db: db,
        };
        binary.grpc = binary.logged_addr("listen").await;
        binary.metrics = binary.logged_addr("metrics_listen").await;
        binary.channel = Channel::from_shared(format!("http://{}", binary.grpc))
            .unwrap()
            .connect_lazy();
        binary.wait_serving().await;
        binary
    }

    /// Every log line so far, parsed (a line that is not JSON is a string).
    pub fn logs(&self) -> Vec<Value> {
        self.logs.lock().unwrap().clone()
    }

    /// Waits (bounded) for a log line that `matches`.
    pub async fn wait_log(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let logs = self.logs();
                if let Some(line) = logs.iter().find(|l| matches(l)) {
                    return line.clone();
                }
                assert!(
                    logs.last() != Some(&Value::String(EXITED.into())),
                    "csp-upgrades exited before logging {what}: {logs:#?}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no log line {what} within 30 s; logs: {:#?}", self.logs()))
    }

    async fn logged_addr(&self, field: &str) -> SocketAddr {
        let line = self
            .wait_log(field, |l| l.get(field).is_some_and(Value::is_string))
            .await;
        line[field].as_str().unwrap().parse().unwrap()
    }

    async fn wait_serving(&self) {
        let mut health = HealthClient::new(self.channel.clone());
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let status = health
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                    .ok()
                    .and_then(|r| ServingStatus::try_from(r.into_inner().status).ok());
                if status == Some(ServingStatus::Serving) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("not SERVING within 30 s");
    }

    /// A bearer token for a demo partner user, from `csp-upgrades token`.
    pub fn token(&self, upn: &str) -> String {
        let out = Command::new(BIN)
            .args(["token", "--user", upn])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run csp-upgrades token");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// SIGTERM, then waits (bounded) for the process to exit. Async: the
    /// test's runtime must keep serving its side of the connections (and the
    /// stand-in collector) while the server drains.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        for _ in 0..1500 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("csp-upgrades did not exit within 30 s of SIGTERM");
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a raw HTTP/1.1 `request` (which should say `Connection: close`) and
/// returns the whole answer as text.
pub async fn http(addr: SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out))
        .await
        .expect("HTTP answer within 30 s")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}
