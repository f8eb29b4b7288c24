//! Issue 17: a `StreamEligibility` under way when the server shuts down
//! ends with `UNAVAILABLE`, naming the cursor of the last message sent
//! (`ErrorInfo.metadata["after_cursor"]`), and a call to another replica
//! with that cursor gets exactly the rest. Runs on SQLite, or on Postgres
//! with TEST_DATABASE_URL.

mod common;

use common::server::*;
use csp_upgrades::grpc::pb;
use csp_upgrades::state::Options;
use futures::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

const BENCH_AGENT: &str = "bench-agent@bench.example";

fn basic(after_cursor: String) -> pb::StreamEligibilityRequest {
    pb::StreamEligibilityRequest {
        view: pb::EligibilityView::Basic as i32,
        after_cursor,
        ..Default::default()
    }
}

async fn stream_all(server: &TestServer, token: &str, after: String) -> Vec<String> {
    let mut stream = server
        .upgrades(Some(token.into()))
        .stream_eligibility(basic(after))
        .await
        .unwrap()
        .into_inner();
    let mut cursors = Vec::new();
    while let Some(message) = stream.next().await {
        cursors.push(message.unwrap().cursor);
    }
    cursors
}

#[tokio::test]
async fn a_stream_under_way_ends_unavailable_with_its_cursor_and_resumes_elsewhere() {
    let mut server = TestServer::start().await;
    let spec = csp_upgrades::generate::Spec {
        customers: 400,
        subscriptions_per_customer: 4,
        users_per_subscription: 1,
        big_customer_subscriptions: 0,
        seed: 17,
        anchor: chrono::Utc::now(),
    };
    let dataset = csp_upgrades::generate::generate(server.state.catalog(), &spec);
    server
        .state
        .store()
        .unwrap()
        .import(&dataset)
        .await
        .unwrap();
    let replica = server.replica(Options::default()).await;
    let token = server.token(BENCH_AGENT).await;
    let whole = stream_all(&replica, &token, String::new()).await;
    assert!(whole.len() >= 1600, "{} subscriptions", whole.len());

    let mut stream = server
        .upgrades(Some(token.clone()))
        .stream_eligibility(basic(String::new()))
        .await
        .unwrap()
        .into_inner();
    let mut received = Vec::new();
    for _ in 0..10 {
        received.push(stream.next().await.unwrap().unwrap().cursor);
    }
    // Mid-way: the server is ahead of this client by its channel and the
    // HTTP/2 windows, the partner is not read to the end.
    server.begin_stop();
    let status = loop {
        match stream.next().await {
            Some(Ok(message)) => received.push(message.cursor),
            Some(Err(status)) => break status,
            None => panic!("the stream ended quietly after {} messages", received.len()),
        }
    };
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        received.len() < whole.len(),
        "the whole partner was sent before the shutdown ended the stream"
    );
    let last = received.last().unwrap().clone();
    let info = status.get_details_error_info().expect("an ErrorInfo");
    assert_eq!(info.reason, "SHUTTING_DOWN");
    assert_eq!(info.metadata.get("after_cursor"), Some(&last));
    assert!(status.get_details_retry_info().is_some());
    assert!(status.message().contains(&last), "{}", status.message());
    assert!(stream.next().await.is_none(), "nothing after the status");
    // The database outlives the stopped server: the replica still uses it.
    let _db = server.db.take();
    server.stop().await;

    // Another replica continues after the last message received.
    let rest = stream_all(&replica, &token, last).await;
    received.extend(rest);
    assert_eq!(received, whole, "resumed without a gap or a repeat");
}
