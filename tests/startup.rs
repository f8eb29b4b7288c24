//! Start-up through the real binary and the real server: health follows the
//! database, a bad catalog or dataset is refused whole, `token` works on a
//! fresh data directory.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::db;
use common::server::TestServer;
use csp_upgrades::clock::SystemClock;
use csp_upgrades::grpc::pb;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

const BIN: &str = env!("CARGO_BIN_EXE_csp-upgrades");

fn run(args: &[&str], database_url: &str, data_dir: &std::path::Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("CSP_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run csp-upgrades")
}

/// Forwards TCP connections from a local port to `target`, once started.
async fn start_proxy(listener: tokio::net::TcpListener, target: String) {
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
}

#[tokio::test]
async fn health_is_serving_only_once_the_database_answers() {
    let fresh = db::fresh().await;
    let blocked_url;
    // Make the database unreachable at first, and reachable later.
    let unblock: Box<dyn FnOnce() -> futures::future::BoxFuture<'static, ()>>;
    if fresh.url.starts_with("postgres") {
        let mut url = url::Url::parse(&fresh.url).unwrap();
        let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Nothing answers on this port until the proxy starts.
        let parked = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead_port = parked.local_addr().unwrap().port();
        drop(parked);
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(dead_port)).unwrap();
        blocked_url = url.to_string();
        drop(listener);
        unblock = Box::new(move || {
            Box::pin(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", dead_port))
                    .await
                    .unwrap();
                start_proxy(listener, target).await;
                let _ = port;
            })
        });
    } else {
        // A regular file where the database's directory should be.
        let dir = tempfile::tempdir().unwrap();
        let parent = dir.path().join("db-dir");
        std::fs::write(&parent, b"not a directory").unwrap();
        blocked_url = format!("sqlite:{}", parent.join("csp.db").display());
        unblock = Box::new(move || {
            Box::pin(async move {
                std::fs::remove_file(&parent).unwrap();
                std::fs::create_dir(&parent).unwrap();
                drop(dir);
            })
        });
    }

    let server = TestServer::spawn(blocked_url, Some(fresh), true, Arc::new(SystemClock)).await;
    assert_eq!(server.health("").await, Some(ServingStatus::NotServing));
    assert_eq!(
        server.health("csp.v1.CustomerService").await,
        Some(ServingStatus::NotServing)
    );
    assert_eq!(
        server.health(csp_upgrades::server::LIVENESS_SERVICE).await,
        Some(ServingStatus::Serving)
    );
    let err = server
        .offers(Some("any".into()))
        .list_offers(pb::ListOffersRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.code(), Code::Unavailable | Code::Unauthenticated),
        "{err:?}"
    );

    unblock().await;
    server.wait_serving().await;
    assert_eq!(
        server.health("csp.v1.CustomerService").await,
        Some(ServingStatus::Serving)
    );
    server.stop().await;
}

#[tokio::test]
async fn shutdown_turns_health_not_serving_and_drains() {
    let server = TestServer::start().await;
    let channel = server.channel.clone();
    server.stop().await;
    // The listener is gone: new calls fail, nothing hangs.
    let mut client = tonic_health::pb::health_client::HealthClient::new(channel);
    assert!(
        client
            .check(tonic_health::pb::HealthCheckRequest::default())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_bad_dataset_file_loads_nothing() {
    let fresh = db::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    let mut dataset: serde_json::Value =
        serde_json::from_str(csp_upgrades::startup::DEMO_DATASET).unwrap();
    // One bad value deep inside an otherwise valid file.
    dataset["subscriptions"][3]["quantity"] = serde_json::json!(-5);
    std::fs::write(&file, dataset.to_string()).unwrap();

    let out = run(&["import", file.to_str().unwrap()], &fresh.url, dir.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("subscriptions[3]") && stderr.contains("quantity"),
        "{stderr}"
    );

    let store = csp_upgrades::storage::connect(&fresh.url).await.unwrap();
    assert!(store.is_empty().await.unwrap(), "nothing was written");

    // The good file loads, and loading it again is refused whole.
    let good = dir.path().join("good.json");
    std::fs::write(&good, csp_upgrades::startup::DEMO_DATASET).unwrap();
    let out = run(&["import", good.to_str().unwrap()], &fresh.url, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!store.is_empty().await.unwrap());
    let out = run(&["import", good.to_str().unwrap()], &fresh.url, dir.path());
    assert!(!out.status.success());
}

#[tokio::test]
async fn a_bad_catalog_stops_start_up_naming_the_entry() {
    let fresh = db::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("offers.toml");
    let builtin = std::fs::read_to_string("catalog/offers.toml").unwrap();
    // A path to an offer that does not exist.
    std::fs::write(
        &catalog,
        format!("{builtin}\n[[path]]\nfrom = \"o365-e1\"\nto = [\"o365-e9\"]\n"),
    )
    .unwrap();
    let out = run(
        &[
            "--catalog-file",
            catalog.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        &fresh.url,
        dir.path(),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("o365-e9"), "{stderr}");
}

#[tokio::test]
async fn token_command_works_on_a_fresh_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("csp.db").display());
    let out = run(
        &["token", "--user", "ga@contoso-csp.example"],
        &url,
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let key = csp_upgrades::auth::jwt::load_or_create_dev_key(dir.path()).unwrap();
    let verifier =
        csp_upgrades::auth::jwt::TokenVerifier::dev(&key, "csp-upgrades-dev", "csp-upgrades");
    let claims = verifier.verify(token.trim()).unwrap();
    assert!(claims.app_id.is_none());

    let out = run(&["token", "--user", "nobody@example.com"], &url, dir.path());
    assert!(!out.status.success());
}
