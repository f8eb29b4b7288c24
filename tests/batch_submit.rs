//! Issue 17: `SubmitUpgrades` through the real server (SQLite, or Postgres
//! with TEST_DATABASE_URL): each item is `SubmitUpgrade` on its own,
//! answered item by item, and a retried batch creates nothing new.

mod common;

use std::sync::Arc;

use chrono::TimeZone;
use common::server::*;
use csp_upgrades::clock::FixedClock;
use csp_upgrades::grpc::pb;
use pb::submit_upgrade_result::Result as Outcome;
use prost::Message;
use tonic::Code;
use tonic_types::StatusExt;

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const FABRIKAM_CUSTOMER: &str = "30000000-0000-4000-8000-000000000091";
const TAILSPIN: &str = "30000000-0000-4000-8000-000000000008";
const TAILSPIN_E4: &str = "40000000-0000-4000-8000-000000000801";

async fn start() -> TestServer {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
        .unwrap();
    TestServer::start_with(common::db::fresh().await, true, Arc::new(FixedClock(now))).await
}

fn item(customer: &str, sub: &str, target: &str, quantity: i64) -> pb::SubmitUpgradeRequest {
    pb::SubmitUpgradeRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        customer_id: customer.into(),
        subscription_id: sub.into(),
        target_offer_id: target.into(),
        quantity,
        upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
        billing_cycle: 0,
        ..Default::default()
    }
}

/// The item's error as the tonic status it would have been on its own.
fn error(result: &pb::SubmitUpgradeResult) -> tonic::Status {
    match result.result.as_ref().unwrap() {
        Outcome::Error(e) => tonic::Status::with_details(
            Code::from_i32(e.code),
            e.message.clone(),
            e.encode_to_vec().into(),
        ),
        Outcome::Order(o) => panic!("{} succeeded: {o:?}", result.request_id),
    }
}

fn order(result: &pb::SubmitUpgradeResult) -> &pb::UpgradeOrder {
    match result.result.as_ref().unwrap() {
        Outcome::Order(o) => o,
        Outcome::Error(e) => panic!("{} failed: {e:?}", result.request_id),
    }
}

async fn orders_of(server: &TestServer, token: &str, customer: &str) -> Vec<String> {
    server
        .upgrades(Some(token.into()))
        .list_upgrade_orders(pb::ListUpgradeOrdersRequest {
            customer_id: customer.into(),
            page_size: 1000,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .orders
        .into_iter()
        .map(|o| o.order_id)
        .collect()
}

#[tokio::test]
async fn mixed_items_are_answered_item_by_item_and_a_retry_creates_nothing() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let first = item(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12);
    let mut not_a_key = item(TAILSPIN, TAILSPIN_E4, "o365-e5", 150);
    not_a_key.request_id = "not-a-uuid".into();
    let key_reused = pb::SubmitUpgradeRequest {
        quantity: 13,
        ..first.clone()
    };
    let batch = vec![
        first.clone(),
        not_a_key,
        // The same item again: the same order.
        first.clone(),
        // The same key for another request.
        key_reused,
        // The same customer and source after the first moved it: the first
        // wins (SPEC §5), this one is refused.
        item(NORTHWIND, NORTHWIND_BASIC, "o365-e5", 12),
        item(
            &uuid::Uuid::new_v4().to_string(),
            NORTHWIND_BASIC,
            "o365-e3",
            12,
        ),
        item(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 0),
        // Another partner's customer: as unknown as one that exists nowhere.
        item(FABRIKAM_CUSTOMER, NORTHWIND_BASIC, "o365-e3", 12),
    ];
    let mut client = server.upgrades(Some(token.clone()));
    let answer = client
        .submit_upgrades(pb::SubmitUpgradesRequest {
            requests: batch.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .results;
    assert_eq!(answer.len(), batch.len());
    for (result, sent) in answer.iter().zip(&batch) {
        assert_eq!(result.request_id, sent.request_id);
    }
    let created = order(&answer[0]).clone();
    assert_eq!(created.customer_id, NORTHWIND);

    let bad_key = error(&answer[1]);
    assert_eq!(bad_key.code(), Code::InvalidArgument);
    let bad_request = bad_key.get_details_bad_request().expect("a BadRequest");
    assert_eq!(bad_request.field_violations[0].field, "request_id");

    assert_eq!(order(&answer[2]).order_id, created.order_id);
    let reused = error(&answer[3]);
    assert_eq!(reused.code(), Code::AlreadyExists);
    assert_eq!(
        reused.get_details_error_info().unwrap().reason,
        "REQUEST_ID_REUSED"
    );
    let loser = error(&answer[4]);
    assert_eq!(loser.code(), Code::FailedPrecondition, "{loser:?}");
    assert!(loser.get_details_error_info().is_some());
    assert_eq!(error(&answer[5]).code(), Code::NotFound);
    assert_eq!(error(&answer[6]).code(), Code::InvalidArgument);
    assert_eq!(error(&answer[7]).code(), Code::NotFound);

    let orders = orders_of(&server, &token, NORTHWIND).await;
    assert_eq!(orders, vec![created.order_id.clone()]);

    // The whole batch again (a client that lost the answer): the same
    // answers, no new order.
    let again = client
        .submit_upgrades(pb::SubmitUpgradesRequest { requests: batch })
        .await
        .unwrap()
        .into_inner()
        .results;
    assert_eq!(order(&again[0]), &created);
    assert_eq!(order(&again[2]), &created);
    for i in [1, 3, 5, 6, 7] {
        assert_eq!(
            error(&again[i]).code(),
            error(&answer[i]).code(),
            "item {i}"
        );
    }
    assert_eq!(orders_of(&server, &token, NORTHWIND).await, orders);
}

/// One key on two customers' items in one batch (a client's mistake):
/// written together they would break the key's uniqueness, so they go one
/// by one; the first makes its order, the second is told the key is used,
/// and a third customer's item in the same batch is written as usual.
#[tokio::test]
async fn one_key_on_two_customers_makes_one_order() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let northwind = item(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12);
    let tailspin = pb::SubmitUpgradeRequest {
        request_id: northwind.request_id.clone(),
        ..item(TAILSPIN, TAILSPIN_E4, "o365-e5", 150)
    };
    let mut client = server.upgrades(Some(token.clone()));
    let answer = client
        .submit_upgrades(pb::SubmitUpgradesRequest {
            requests: vec![northwind, tailspin],
        })
        .await
        .unwrap()
        .into_inner()
        .results;
    let made: Vec<_> = answer
        .iter()
        .filter(|r| matches!(r.result, Some(pb::submit_upgrade_result::Result::Order(_))))
        .collect();
    assert_eq!(made.len(), 1, "{answer:?}");
    let other = answer.iter().find(|r| !std::ptr::eq(*r, made[0])).unwrap();
    let reused = error(other);
    assert_eq!(reused.code(), Code::AlreadyExists, "{reused:?}");
    assert_eq!(
        reused.get_details_error_info().unwrap().reason,
        "REQUEST_ID_REUSED"
    );
    let orders = orders_of(&server, &token, NORTHWIND).await.len()
        + orders_of(&server, &token, TAILSPIN).await.len();
    assert_eq!(orders, 1);
}

#[tokio::test]
async fn a_batch_is_bounded_and_guarded() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let mut client = server.upgrades(Some(token));
    let empty = client
        .submit_upgrades(pb::SubmitUpgradesRequest::default())
        .await
        .unwrap();
    assert!(empty.into_inner().results.is_empty());
    for n in [1001, 5000] {
        let requests = (0..n)
            .map(|_| item(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12))
            .collect();
        let err = client
            .submit_upgrades(pb::SubmitUpgradesRequest { requests })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{n} items");
        assert!(
            err.message().contains("at most 1000 items"),
            "{}",
            err.message()
        );
        assert_eq!(
            err.get_details_bad_request().unwrap().field_violations[0].field,
            "requests"
        );
    }
    let helpdesk = server.token(NO_ROLE).await;
    let err = server
        .upgrades(Some(helpdesk))
        .submit_upgrades(pb::SubmitUpgradesRequest {
            requests: vec![item(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12)],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// A thousand items across many customers of a generated partner: one
/// result per item, in order, and the orders made are exactly the items
/// answered with an order.
#[tokio::test]
async fn a_full_batch_of_a_thousand_items_answers_each() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let requests: Vec<_> = (0..1000)
        .map(|i| {
            if i % 2 == 0 {
                item(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12)
            } else {
                item(TAILSPIN, TAILSPIN_E4, "o365-e5", 150)
            }
        })
        .collect();
    let answer = server
        .upgrades(Some(token.clone()))
        .submit_upgrades(pb::SubmitUpgradesRequest {
            requests: requests.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .results;
    assert_eq!(answer.len(), 1000);
    let mut made = Vec::new();
    for (result, sent) in answer.iter().zip(&requests) {
        assert_eq!(result.request_id, sent.request_id);
        if let Some(Outcome::Order(o)) = &result.result {
            made.push(o.order_id.clone());
        }
    }
    // One per customer wins: Northwind's executes, Tailspin's waits for its
    // credit check and blocks the rest.
    assert_eq!(made.len(), 2, "{made:?}");
    assert_eq!(orders_of(&server, &token, NORTHWIND).await.len(), 1);
    assert_eq!(orders_of(&server, &token, TAILSPIN).await.len(), 1);
}
