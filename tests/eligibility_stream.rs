//! Issue 17: `StreamEligibility` through the real server (SQLite, or
//! Postgres with TEST_DATABASE_URL): the same answers as one
//! `CheckUpgradeEligibility` per subscription, resumable, filtered exactly,
//! partner-isolated, and a cancelled call stops reading the database.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::server::*;
use csp_upgrades::grpc::pb;
use futures::StreamExt;
use tonic::Code;

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const FABRIKAM_CUSTOMER: &str = "30000000-0000-4000-8000-000000000091";
const BENCH_AGENT: &str = "bench-agent@bench.example";

fn request(view: pb::EligibilityView) -> pb::StreamEligibilityRequest {
    pb::StreamEligibilityRequest {
        view: view as i32,
        ..Default::default()
    }
}

async fn stream_all(
    server: &TestServer,
    token: &str,
    request: pb::StreamEligibilityRequest,
) -> Result<Vec<pb::StreamEligibilityResponse>, tonic::Status> {
    let mut stream = server
        .upgrades(Some(token.into()))
        .stream_eligibility(request)
        .await?
        .into_inner();
    let mut out = Vec::new();
    while let Some(message) = stream.next().await {
        out.push(message?);
    }
    Ok(out)
}

/// Every (customer, subscription) of the caller's partner, through the
/// list RPCs, in (customer id, subscription id) order.
async fn every_subscription(server: &TestServer, token: &str) -> Vec<(String, String)> {
    let mut customers = server.customers(Some(token.into()));
    let mut ids = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = customers
            .list_customers(pb::ListCustomersRequest {
                page_size: 1000,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.customers.into_iter().map(|c| c.customer_id));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let mut pairs = Vec::new();
    for customer in ids {
        let mut page_token = String::new();
        loop {
            let page = customers
                .list_subscriptions(pb::ListSubscriptionsRequest {
                    customer_id: customer.clone(),
                    page_size: 1000,
                    page_token,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            pairs.extend(
                page.subscriptions
                    .into_iter()
                    .map(|s| (customer.clone(), s.subscription_id)),
            );
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
    }
    pairs.sort();
    pairs
}

/// The FULL stream is, message by message, what CheckUpgradeEligibility
/// answers for that subscription, over every subscription of the partner;
/// BASIC is the same answer without texts.
async fn assert_stream_equals_checks(server: &TestServer, token: &str) -> usize {
    let full = stream_all(server, token, request(pb::EligibilityView::Full))
        .await
        .unwrap();
    let streamed: Vec<(String, String)> = full
        .iter()
        .map(|m| {
            let e = m.eligibility.as_ref().unwrap();
            (e.customer_id.clone(), e.subscription_id.clone())
        })
        .collect();
    assert_eq!(streamed, every_subscription(server, token).await);

    let mut upgrades = server.upgrades(Some(token.into()));
    for m in &full {
        let e = m.eligibility.clone().unwrap();
        let checked = upgrades
            .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
                customer_id: e.customer_id.clone(),
                subscription_id: e.subscription_id.clone(),
                target_offer_id: String::new(),
                as_of: 0,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(e, checked, "{}", m.cursor);
    }

    let basic = stream_all(server, token, request(pb::EligibilityView::Basic))
        .await
        .unwrap();
    assert_eq!(basic.len(), full.len());
    for (b, f) in basic.iter().zip(&full) {
        assert_eq!(b.cursor, f.cursor);
        let (b, f) = (
            b.eligibility.as_ref().unwrap(),
            f.eligibility.as_ref().unwrap(),
        );
        assert_eq!(b.subscription_id, f.subscription_id);
        assert_eq!(codes(&b.source_reasons), codes(&f.source_reasons));
        assert_eq!(b.targets.len(), f.targets.len());
        for (bt, ft) in b.targets.iter().zip(&f.targets) {
            assert_eq!(bt.target_offer_id, ft.target_offer_id);
            assert_eq!(bt.eligible, ft.eligible);
            assert_eq!(bt.allowed_upgrade_types, ft.allowed_upgrade_types);
            assert_eq!(
                (bt.min_quantity, bt.max_quantity),
                (ft.min_quantity, ft.max_quantity)
            );
            assert_eq!(codes(&bt.reasons), codes(&ft.reasons));
            assert!(bt.manual_path.is_none() && bt.reasons.iter().all(|r| r.message.is_empty()));
        }
    }
    full.len()
}

fn codes(reasons: &[pb::Reason]) -> Vec<i32> {
    reasons.iter().map(|r| r.code).collect()
}

#[tokio::test]
async fn the_stream_equals_one_check_per_subscription_on_the_demo_data() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let n = assert_stream_equals_checks(&server, &token).await;
    assert!(n >= 20, "the demo partner has {n} subscriptions");
}

/// A generated partner: many customers, so several database batches.
async fn generated(server: &TestServer, customers: usize) {
    let spec = csp_upgrades::generate::Spec {
        customers,
        subscriptions_per_customer: 4,
        users_per_subscription: 2,
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
}

#[tokio::test]
async fn the_stream_equals_one_check_per_subscription_on_a_generated_partner() {
    let server = TestServer::start().await;
    generated(&server, 230).await;
    let token = server.token(BENCH_AGENT).await;
    let before = server.state.stream_batches().load(Ordering::Relaxed);
    let n = assert_stream_equals_checks(&server, &token).await;
    assert!(n >= 230 * 4, "{n} subscriptions");
    // 230 customers in batches of 100, twice (FULL and BASIC): 3 batches and
    // the empty one that ends each.
    let batches = server.state.stream_batches().load(Ordering::Relaxed) - before;
    assert_eq!(batches, 8);
}

#[tokio::test]
async fn a_resumed_stream_neither_skips_nor_repeats() {
    let server = TestServer::start().await;
    generated(&server, 120).await;
    let token = server.token(BENCH_AGENT).await;
    let all = stream_all(&server, &token, request(pb::EligibilityView::Basic))
        .await
        .unwrap();
    let cursors: Vec<&str> = all.iter().map(|m| m.cursor.as_str()).collect();
    let mut sorted = cursors.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, cursors, "cursors are unique and ascending");
    // Cut after the first, inside a customer, at a batch edge, and at the end.
    for cut in [0, 1, all.len() / 3, all.len() / 2 + 1, all.len() - 1] {
        let rest = stream_all(
            &server,
            &token,
            pb::StreamEligibilityRequest {
                after_cursor: all[cut].cursor.clone(),
                ..request(pb::EligibilityView::Basic)
            },
        )
        .await
        .unwrap();
        assert_eq!(rest, all[cut + 1..], "resumed after message {cut}");
    }
    let bad = stream_all(
        &server,
        &token,
        pb::StreamEligibilityRequest {
            after_cursor: "not-a-cursor".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn filters_return_exactly_the_matching_subscriptions() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let all = stream_all(&server, &token, request(pb::EligibilityView::Basic))
        .await
        .unwrap();
    let e = |m: &pb::StreamEligibilityResponse| m.eligibility.clone().unwrap();

    let only_northwind = stream_all(
        &server,
        &token,
        pb::StreamEligibilityRequest {
            customer_ids: vec![NORTHWIND.into(), NORTHWIND.into()],
            ..request(pb::EligibilityView::Basic)
        },
    )
    .await
    .unwrap();
    let expected: Vec<_> = all
        .iter()
        .filter(|m| e(m).customer_id == NORTHWIND)
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(only_northwind, expected);

    let offer = e(&all[0]).source_offer_id;
    let of_offer = stream_all(
        &server,
        &token,
        pb::StreamEligibilityRequest {
            source_offer_ids: vec![offer.clone()],
            ..request(pb::EligibilityView::Basic)
        },
    )
    .await
    .unwrap();
    let expected: Vec<_> = all
        .iter()
        .filter(|m| e(m).source_offer_id == offer)
        .cloned()
        .collect();
    assert_eq!(of_offer, expected);

    let eligible = stream_all(
        &server,
        &token,
        pb::StreamEligibilityRequest {
            only_eligible: true,
            ..request(pb::EligibilityView::Basic)
        },
    )
    .await
    .unwrap();
    let expected: Vec<_> = all
        .iter()
        .filter(|m| e(m).targets.iter().any(|t| t.eligible))
        .cloned()
        .collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    assert_eq!(eligible, expected);
}

#[tokio::test]
async fn another_partner_sees_none_of_this_partners_subscriptions() {
    let server = TestServer::start().await;
    let a = stream_all(
        &server,
        &server.token(ADMIN_AGENT).await,
        request(pb::EligibilityView::Basic),
    )
    .await
    .unwrap();
    let b_token = server.token(B_GLOBAL_ADMIN).await;
    let b = stream_all(&server, &b_token, request(pb::EligibilityView::Basic))
        .await
        .unwrap();
    assert!(!a.is_empty() && !b.is_empty());
    let customers = |s: &[pb::StreamEligibilityResponse]| {
        s.iter()
            .map(|m| m.eligibility.clone().unwrap().customer_id)
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(customers(&a).is_disjoint(&customers(&b)));
    assert!(customers(&b).contains(FABRIKAM_CUSTOMER));
    let denied = stream_all(
        &server,
        &b_token,
        pb::StreamEligibilityRequest {
            customer_ids: vec![NORTHWIND.into()],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(denied.code(), Code::NotFound);
}

#[tokio::test]
async fn a_cancelled_stream_stops_reading_the_database() {
    let server = TestServer::start().await;
    generated(&server, 1500).await;
    let token = server.token(BENCH_AGENT).await;
    let batches = || server.state.stream_batches().load(Ordering::Relaxed);
    let before = batches();
    let mut stream = server
        .upgrades(Some(token.clone()))
        .stream_eligibility(request(pb::EligibilityView::Full))
        .await
        .unwrap()
        .into_inner();
    stream.next().await.unwrap().unwrap();
    // The client reads no further: the server fills its channel and waits.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Read-ahead is what the channel (256 answers) and HTTP/2's flow-control
    // windows hold, plus the one batch read while another is answered: a
    // few batches, depending on the answers' sizes (6 seen on a busy
    // machine), never the partner's 15.
    let while_waiting = batches() - before;
    assert!(while_waiting <= 8, "{while_waiting} batches read ahead");
    drop(stream);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_cancel = batches() - before;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(batches() - before, after_cancel, "still reading");
    // The whole partner is 15 batches and more.
    assert!(after_cancel <= 8, "{after_cancel} batches read");
}

#[tokio::test]
async fn the_stream_is_guarded_like_the_check() {
    let server = TestServer::start().await;
    let err = stream_all(
        &server,
        &server.token(NO_ROLE).await,
        request(pb::EligibilityView::Basic),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let token = server.token(ADMIN_AGENT).await;
    let too_many = stream_all(
        &server,
        &token,
        pb::StreamEligibilityRequest {
            source_offer_ids: vec!["o365-e3".into(); 1001],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(too_many.code(), Code::InvalidArgument);
}
