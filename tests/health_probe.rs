//! Issue 15: health follows the database within bounds. With a proxy in
//! front of Postgres, health turns NOT_SERVING within 2 s of the database
//! becoming unreachable (connections cut, or a network that goes silent)
//! and SERVING within 1 s of its return. It used to take 5-10 s (a ping
//! every 5 s through the pool's 5 s acquire). Postgres only: the embedded
//! database has no network to lose, and the test says so when skipped.

mod common;
#[path = "health_probe/proxy.rs"]
mod proxy;

use std::net::ToSocketAddrs as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::server::TestServer;
use csp_upgrades::clock::SystemClock;
use proxy::{Mode, Proxy};
use tonic_health::pb::health_check_response::ServingStatus;

const DOWN_WITHIN: Duration = Duration::from_secs(2);
const UP_WITHIN: Duration = Duration::from_secs(1);

/// Polls health until it is `wanted`; how long that took (bounded at 10 s).
async fn time_until(server: &TestServer, wanted: ServingStatus) -> Duration {
    let started = Instant::now();
    while server.health("").await != Some(wanted) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "health not {wanted:?} within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn health_follows_the_database_within_two_seconds_down_and_one_up() {
    let db = common::db::fresh().await;
    if !db.is_postgres() {
        eprintln!("skipped: the health probe test needs Postgres (set TEST_DATABASE_URL)");
        return;
    }
    let mut url = url::Url::parse(&db.url).unwrap();
    let target = (url.host_str().unwrap(), url.port().unwrap_or(5432))
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.addr.port())).unwrap();
    let server = TestServer::spawn(url.to_string(), Some(db), true, Arc::new(SystemClock)).await;
    server.wait_serving().await;

    for outage in [Mode::Closed, Mode::Stalled] {
        proxy.set(outage);
        let down = time_until(&server, ServingStatus::NotServing).await;
        // Out of the outage as soon as it was seen, to time the return.
        proxy.set(Mode::Open);
        let up = time_until(&server, ServingStatus::Serving).await;
        eprintln!("{outage:?}: NOT_SERVING after {down:?}, SERVING {up:?} after the return");
        assert!(
            down <= DOWN_WITHIN,
            "{outage:?}: NOT_SERVING after {down:?}"
        );
        assert!(up <= UP_WITHIN, "{outage:?}: SERVING after {up:?}");
    }
}
