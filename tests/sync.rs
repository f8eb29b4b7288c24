//! Issue 16 (SPEC §11): a partner's fresh export synced into the running
//! service, seen through the API. On SQLite, and on Postgres with
//! TEST_DATABASE_URL.

mod common;
#[path = "sync/export.rs"]
mod export;
#[path = "sync/race.rs"]
mod race;
#[path = "sync/rpc.rs"]
mod rpc;

use std::sync::Arc;

use chrono::TimeZone;
use common::server::*;
use csp_upgrades::app::SyncOutcome;
use csp_upgrades::clock::FixedClock;
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::sync;
use csp_upgrades::grpc::pb;
use export::*;
use serde_json::json;

pub async fn start() -> TestServer {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
        .unwrap();
    TestServer::start_with(common::db::fresh().await, true, Arc::new(FixedClock(now))).await
}

pub async fn subscriptions(server: &TestServer, token: &str) -> Vec<pb::Subscription> {
    server
        .customers(Some(token.into()))
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: NORTHWIND.into(),
            page_size: 1000,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subscriptions
}

fn find<'a>(subs: &'a [pb::Subscription], id: &str) -> &'a pb::Subscription {
    subs.iter()
        .find(|s| s.subscription_id == id)
        .unwrap_or_else(|| panic!("no subscription {id}"))
}

/// The target's answer for Northwind's Business Basic.
async fn eligibility(server: &TestServer, token: &str, target: &str) -> pb::TargetEligibility {
    server
        .upgrades(Some(token.into()))
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: target.into(),
            as_of: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .targets
        .remove(0)
}

#[tokio::test]
async fn the_same_export_twice_changes_nothing_the_second_time() {
    let server = start().await;
    // The demo load holds exactly partner A's export.
    let unchanged = synced(&server, &export(), false).await;
    assert!(!unchanged.changed, "{unchanged:?}");
    let mut d = export();
    record(&mut d, "subscriptions", NORTHWIND_BASIC)["quantity"] = json!(12);
    let first = synced(&server, &d, false).await;
    assert!(first.changed);
    assert_eq!(first.counts.subscriptions.updated, 1);
    let second = synced(&server, &d, false).await;
    assert!(!second.changed, "{second:?}");
    assert!(second.records.is_empty());
}

#[tokio::test]
async fn every_kind_of_change_is_visible_through_the_api() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    // Read first, so the caches hold the old state.
    assert!(eligibility(&server, &token, "o365-e3").await.eligible);
    let before = subscriptions(&server, &token).await;

    let elsewhere = "40000000-0000-4000-8000-00000000f001";
    let new_customer = "30000000-0000-4000-8000-00000000f001";
    let mut d = export();
    d["subscriptions"]
        .as_array_mut()
        .unwrap()
        .push(bought_elsewhere(elsewhere, "o365-e3", "DIRECT"));
    record(&mut d, "subscriptions", NORTHWIND_BASIC)["assigned_seats"] = json!(3);
    let northwind = record(&mut d, "customers", NORTHWIND);
    northwind["name"] = json!("Northwind Traders B.V.");
    northwind["service_incidents"] = json!(["exchange"]);
    // Dan left the company.
    d["customer_users"]
        .as_array_mut()
        .unwrap()
        .retain(|u| u["id"] != DAN);
    d["customers"].as_array_mut().unwrap().push(json!({
        "id": new_customer, "partner_id": PARTNER_A, "name": "Zeta Corp", "country": "NL",
        "segment": "COMMERCIAL", "custom_domain": false, "unpaid_balance": false,
        "delegated_admin": {"status": "ACTIVE", "roles": ["DIRECTORY_READER"]}
    }));
    let report = synced(&server, &d, false).await;
    assert_eq!(report.counts.customers.inserted, 1);
    assert_eq!(report.counts.customers.updated, 1);
    assert_eq!(report.counts.subscriptions.inserted, 1);
    assert_eq!(report.counts.subscriptions.updated, 1);
    assert_eq!(report.counts.customer_users.deleted, 1);
    let fields: Vec<_> = report
        .records
        .iter()
        .filter(|r| r.kind == "customer" && r.action == "UPDATE")
        .flat_map(|r| r.fields.clone())
        .collect();
    assert_eq!(fields, ["name", "service_incidents"]);

    // The next call answers from the new data.
    let answer = eligibility(&server, &token, "o365-e3").await;
    assert!(!answer.eligible);
    assert!(
        answer
            .reasons
            .iter()
            .any(|r| r.code == pb::ReasonCode::MultichannelConflict as i32),
        "{answer:?}"
    );
    let after = subscriptions(&server, &token).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(find(&after, NORTHWIND_BASIC).assigned_seats, 3);
    assert_eq!(
        find(&after, elsewhere).channel,
        pb::Channel::Direct as i32,
        "{after:?}"
    );
    let mut customers = server.customers(Some(token.clone()));
    let northwind = customers
        .get_customer(pb::GetCustomerRequest {
            customer_id: NORTHWIND.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(northwind.name, "Northwind Traders B.V.");
    let zeta = customers
        .get_customer(pb::GetCustomerRequest {
            customer_id: new_customer.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(zeta.name, "Zeta Corp");
}

#[tokio::test]
async fn a_vanished_subscription_with_an_order_is_marked_deleted_and_the_order_still_reads() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let mut upgrades = server.upgrades(Some(token.clone()));
    let order = upgrades
        .submit_upgrade(race::submit())
        .await
        .unwrap()
        .into_inner();
    let mut d = export();
    remove_subscription(&mut d, NORTHWIND_BASIC);
    let report = synced(&server, &d, false).await;
    // The order's target, which the export does not hold; the source, which
    // it no longer holds either, the order already cancelled (DELETED).
    assert_eq!(report.counts.subscriptions.deleted, 1, "{report:?}");
    let deleted = report
        .records
        .iter()
        .find(|r| r.action == "DELETE")
        .unwrap();
    assert_eq!(deleted.id, order.target_subscription_id);

    let again = upgrades
        .get_upgrade_order(pb::GetUpgradeOrderRequest {
            order_id: order.order_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.order_id, order.order_id);
    assert_eq!(again.state, order.state);
    let subs = subscriptions(&server, &token).await;
    let deleted = pb::SubscriptionStatus::Deleted as i32;
    assert_eq!(find(&subs, NORTHWIND_BASIC).status, deleted);
    assert_eq!(find(&subs, &order.target_subscription_id).status, deleted);
    // Marked once: the same export again changes nothing.
    assert!(!synced(&server, &d, false).await.changed);
}

#[tokio::test]
async fn a_bad_file_changes_nothing() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let before = subscriptions(&server, &token).await;

    let catalog = Catalog::builtin().unwrap();
    let mut d = export();
    record(&mut d, "subscriptions", NORTHWIND_BASIC)["quantity"] = json!(-1);
    record(&mut d, "customers", NORTHWIND)["name"] = json!("Renamed");
    let errors = sync::read(&d.to_string(), &catalog, None).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].record.contains(NORTHWIND_BASIC), "{errors:?}");
    assert_eq!(errors[0].field, "quantity");

    // Valid on its own, but it moves a subscription to another customer.
    let mut d = export();
    record(&mut d, "customers", NORTHWIND)["name"] = json!("Renamed");
    let other = "30000000-0000-4000-8000-000000000002";
    record(&mut d, "subscriptions", NORTHWIND_BASIC)["customer_id"] = json!(other);
    for u in d["customer_users"].as_array_mut().unwrap() {
        if u["customer_id"] == NORTHWIND {
            u["licenses"] = json!([]);
        }
    }
    let SyncOutcome::Invalid(errors) = sync_file(&server, &d, false).await else {
        panic!("a moved subscription is refused");
    };
    assert_eq!(errors[0].field, "customer_id");

    // Another partner's customer id, as a new customer of partner A.
    let mut d = export();
    record(&mut d, "customers", NORTHWIND)["name"] = json!("Renamed");
    let mut taken = d["customers"][1].clone();
    taken["id"] = json!(FABRIKAM_CUSTOMER);
    d["customers"].as_array_mut().unwrap().push(taken);
    let outcome = sync_file(&server, &d, false).await;
    assert_eq!(
        outcome,
        SyncOutcome::OtherPartnersIds(vec![uuid::Uuid::parse_str(FABRIKAM_CUSTOMER).unwrap()])
    );

    assert_eq!(subscriptions(&server, &token).await, before);
    let name = server
        .customers(Some(token))
        .get_customer(pb::GetCustomerRequest {
            customer_id: NORTHWIND.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .name;
    assert_eq!(name, "Northwind Traders");
}

#[tokio::test]
async fn the_dry_run_writes_nothing_and_reports_what_the_real_run_does() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let before = subscriptions(&server, &token).await;
    let mut d = export();
    record(&mut d, "subscriptions", NORTHWIND_BASIC)["status"] = json!("SUSPENDED");
    remove_subscription(&mut d, "40000000-0000-4000-8000-000000000201");
    d["subscriptions"]
        .as_array_mut()
        .unwrap()
        .push(bought_elsewhere(
            "40000000-0000-4000-8000-00000000f002",
            "exchange-online-plan2",
            "OTHER_PARTNER",
        ));
    let dry = synced(&server, &d, true).await;
    assert!(dry.dry_run && dry.changed);
    assert_eq!(subscriptions(&server, &token).await, before);
    assert!(
        synced(&server, &d, true).await == dry,
        "a dry run is repeatable"
    );

    let real = synced(&server, &d, false).await;
    assert!(!real.dry_run);
    assert_eq!(real.counts, dry.counts);
    assert_eq!(real.records, dry.records);
    assert_ne!(subscriptions(&server, &token).await, before);
}
