//! Issue 15: SIGTERM always ends the real binary within its drain deadline.
//! An open `WatchUpgradeOrder` of a pending order ends at once with
//! `UNAVAILABLE` and a resume hint (it used to keep the process up for good),
//! and a call that never finishes is dropped at `--shutdown-grace-secs`.
//! Runs on SQLite, or on Postgres with TEST_DATABASE_URL.

#[path = "observability/binary.rs"]
#[allow(
    dead_code,
    reason = "the raw HTTP/1.1 helper is for the observability tests"
)]
mod binary;
mod common;

use std::time::{Duration, Instant};

use binary::Binary;
use bytes::Bytes;
use csp_upgrades::grpc::pb;
use http_body::Frame;
use tonic::Code;
use tower::{Service as _, ServiceExt as _};

/// In the demo data: Litware's order waiting for a credit check.
const PENDING_ORDER: &str = "60000000-0000-4000-8000-000000000003";
const GRACE_SECS: u64 = 3;

async fn open_watch(
    server: &Binary,
    token: &str,
) -> tonic::Streaming<pb::WatchUpgradeOrderResponse> {
    let mut request = tonic::Request::new(pb::WatchUpgradeOrderRequest {
        order_id: PENDING_ORDER.into(),
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let mut watch = pb::upgrade_service_client::UpgradeServiceClient::new(server.channel.clone())
        .watch_upgrade_order(request)
        .await
        .expect("the watch opens")
        .into_inner();
    let first = watch.message().await.unwrap().expect("the latest event");
    assert!(first.order.is_some());
    watch
}

#[tokio::test]
async fn sigterm_ends_an_open_watch_with_unavailable_and_exits_at_once() {
    let grace = format!("--shutdown-grace-secs={GRACE_SECS}");
    let mut server = Binary::start(&[&grace]).await;
    let token = server.token(common::server::GLOBAL_ADMIN);
    let mut watch = open_watch(&server, &token).await;

    let started = Instant::now();
    let exit = server.terminate().await;
    let took = started.elapsed();
    assert!(exit.success(), "{exit:?}");
    // Before the drain deadline: the stream ended, it did not time out.
    assert!(
        took < Duration::from_secs(GRACE_SECS),
        "exited {took:?} after SIGTERM"
    );

    let end = tokio::time::timeout(Duration::from_secs(5), watch.message())
        .await
        .expect("the watch ended");
    let status = end.expect_err("the watch ends with a status, not quietly");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status
            .message()
            .contains("call csp.v1.UpgradeService/WatchUpgradeOrder again"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn sigterm_drops_a_call_that_never_finishes_at_the_deadline() {
    let grace = format!("--shutdown-grace-secs={GRACE_SECS}");
    let mut server = Binary::start(&[&grace]).await;
    let token = server.token(common::server::GLOBAL_ADMIN);
    let _watch = open_watch(&server, &token).await;

    // A request whose body never ends: the call stays in flight.
    let never = futures::stream::pending::<Result<Frame<Bytes>, tonic::Status>>();
    let request = http::Request::builder()
        .method(http::Method::POST)
        .uri("http://127.0.0.1/csp.v1.CustomerService/ListCustomers")
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", format!("Bearer {token}"))
        .body(tonic::body::Body::new(http_body_util::StreamBody::new(
            never,
        )))
        .unwrap();
    let mut channel = server.channel.clone();
    let channel = channel.ready().await.unwrap();
    let in_flight = tokio::spawn(channel.call(request));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!in_flight.is_finished());

    let started = Instant::now();
    let exit = server.terminate().await;
    let took = started.elapsed();
    assert!(exit.success(), "{exit:?}");
    assert!(
        took >= Duration::from_secs(GRACE_SECS) && took < Duration::from_secs(GRACE_SECS + 3),
        "exited {took:?} after SIGTERM, the deadline is {GRACE_SECS} s"
    );
    in_flight.abort();
}
