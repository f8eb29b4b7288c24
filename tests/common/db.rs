//! A fresh, empty database per test. With `TEST_DATABASE_URL` set (say
//! `postgres://postgres@127.0.0.1:5432/test`) each test gets its own
//! database on that server, dropped when the test ends; otherwise a SQLite
//! file in a temporary folder. No schema yet: connecting migrates it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};

const PREFIX: &str = "csp_test_";
/// Databases of crashed or killed runs are dropped once this old.
const STALE_AFTER_SECS: u64 = 3600;

pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<Created>,
}

/// A database this process created on the `TEST_DATABASE_URL` server.
struct Created {
    server_url: String,
    name: String,
}

impl TestDb {
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

pub async fn fresh() -> TestDb {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server_url) if !server_url.is_empty() => fresh_postgres(server_url).await,
        _ => fresh_sqlite(),
    }
}

/// A fresh SQLite database, whatever `TEST_DATABASE_URL` says.
pub fn fresh_sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    // A sub-folder that does not exist yet: connect must create it.
    let path = dir.path().join("db").join("csp.db");
    TestDb {
        url: format!("sqlite://{}", path.display()),
        _dir: Some(dir),
        postgres: None,
    }
}

/// A fresh Postgres database on the `TEST_DATABASE_URL` server; without
/// one, `None` and a line on the test's stderr that says `test` was skipped
/// (written past the test harness' capture, so every run shows it).
pub async fn fresh_postgres_or_skip(test: &str) -> Option<TestDb> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server_url) if !server_url.is_empty() => Some(fresh_postgres(server_url).await),
        _ => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test} on Postgres: TEST_DATABASE_URL is not set \
                 (e.g. postgres://postgres@127.0.0.1:5432/test; .ci/run sets it)"
            );
            None
        }
    }
}

async fn fresh_postgres(server_url: String) -> TestDb {
    let mut admin = PgConnection::connect(&server_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    sweep_stale(&mut admin).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let name = format!(
        "{PREFIX}{now}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    // A linguistic default collation, as production servers usually have,
    // so that an ordering leaning on the server's collation shows up; plain
    // when the server has no ICU.
    let icu =
        format!("CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'");
    if sqlx::query(&icu).execute(&mut admin).await.is_err() {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
    }
    let mut url = url::Url::parse(&server_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&name);
    TestDb {
        url: url.to_string(),
        _dir: None,
        postgres: Some(Created { server_url, name }),
    }
}

/// Drops test databases that outlived their run, once per process.
async fn sweep_stale(admin: &mut PgConnection) {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    if SWEPT.swap(true, Ordering::SeqCst) {
        return;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'csp\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|t| t + STALE_AFTER_SECS < now) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(Created { server_url, name }) = self.postgres.take() else {
            return;
        };
        // Drop cannot await, and the test's runtime may be the one running
        // this: a thread of its own with its own runtime does the work.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&server_url).await.ok()?;
                // FORCE: the test's pool may still hold connections.
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        });
        // Best effort: a failure leaves it to the next run's sweep.
        let _ = dropped.join();
    }
}
