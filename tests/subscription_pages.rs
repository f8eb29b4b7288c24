//! Issue 15: `ListSubscriptions` reads a page and the slice of the customer
//! its "Upgrade now" hints need, not the whole customer. Its answer must be
//! the whole snapshot's: for every subscription of the demo data (both
//! partners, a user's and an app's token) and of a generated large customer,
//! the hint of the paged list equals the one the list filtered by hint gives
//! (that way reads the whole snapshot and pages in memory). Runs on SQLite,
//! or Postgres with TEST_DATABASE_URL.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::server::TestServer;
use csp_upgrades::clock::SystemClock;
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::generate::{self, BIG_CUSTOMER_NAME, PARTNER_USERS, Spec};
use csp_upgrades::grpc::pb;

/// Every subscription of the customer with its hint, listed `page_size` at a
/// time; `hint` filters by the hint as the request's `upgrade_available`.
async fn listed(
    server: &TestServer,
    token: &str,
    customer: &str,
    page_size: u32,
    hint: Option<bool>,
) -> BTreeMap<String, bool> {
    let mut client = server.customers(Some(token.to_owned()));
    let mut all = BTreeMap::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_subscriptions(pb::ListSubscriptionsRequest {
                customer_id: customer.to_owned(),
                page_size,
                page_token: page_token.clone(),
                upgrade_available: hint,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.subscriptions.len() <= page_size as usize);
        for s in page.subscriptions {
            // Every subscription once.
            assert!(all.insert(s.subscription_id, s.upgrade_available).is_none());
        }
        if page.next_page_token.is_empty() {
            return all;
        }
        page_token = page.next_page_token;
    }
}

/// The paged list's hints against the whole snapshot's (the filtered lists).
async fn assert_pages_match_the_snapshot(
    server: &TestServer,
    token: &str,
    customer: &str,
    page_size: u32,
) -> usize {
    let paged = listed(server, token, customer, page_size, None).await;
    let on = listed(server, token, customer, 1000, Some(true)).await;
    let off = listed(server, token, customer, 1000, Some(false)).await;
    assert_eq!(on.len() + off.len(), paged.len(), "customer {customer}");
    for (id, hint) in &paged {
        let whole = on.contains_key(id);
        assert!(
            whole || off.contains_key(id),
            "{id} missing from the filtered lists"
        );
        assert_eq!(*hint, whole, "customer {customer}, subscription {id}");
    }
    paged.values().filter(|h| **h).count()
}

async fn customers(server: &TestServer, token: &str) -> Vec<String> {
    let page = server
        .customers(Some(token.to_owned()))
        .list_customers(pb::ListCustomersRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(page.next_page_token.is_empty());
    page.customers.into_iter().map(|c| c.customer_id).collect()
}

#[tokio::test]
async fn paged_hints_equal_the_whole_snapshot_on_the_demo_data() {
    let server = TestServer::start().await;
    let contoso = "10000000-0000-4000-8000-000000000001";
    let tokens = [
        server.token("ga@contoso-csp.example").await,
        server.token("sales@contoso-csp.example").await,
        server.app_token("reseller-bot", contoso),
        server.token("ga@fabrikam-partners.example").await,
    ];
    let mut subscriptions = 0;
    let mut available = 0;
    for token in &tokens {
        for customer in customers(&server, token).await {
            // Pages of 3: most customers span several.
            available += assert_pages_match_the_snapshot(&server, token, &customer, 3).await;
            subscriptions += listed(&server, token, &customer, 1000, None).await.len();
        }
    }
    // The demo shows both answers plenty of times.
    assert!(subscriptions > 100, "{subscriptions} subscriptions");
    assert!(
        available > 10 && available < subscriptions,
        "{available} of {subscriptions}"
    );
}

#[tokio::test]
async fn paged_hints_equal_the_whole_snapshot_for_a_large_customer() {
    let catalog = Catalog::builtin().unwrap();
    let anchor = chrono::Utc::now()
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let data = generate::generate(
        &catalog,
        &Spec {
            customers: 4,
            subscriptions_per_customer: 10,
            users_per_subscription: 1,
            big_customer_subscriptions: 2_000,
            seed: 16,
            anchor,
        },
    );
    let db = common::db::fresh().await;
    csp_upgrades::startup::open_store(&db.url, &catalog, false)
        .await
        .unwrap()
        .import(&data)
        .await
        .unwrap();
    let server = TestServer::start_with(db, false, Arc::new(SystemClock)).await;
    let token = server.token(PARTNER_USERS[0].0).await;
    let mut available = 0;
    for c in &data.customers {
        let size = if c.name == BIG_CUSTOMER_NAME { 97 } else { 4 };
        available +=
            assert_pages_match_the_snapshot(&server, &token, &c.id.to_string(), size).await;
    }
    assert!(available > 0, "some subscriptions are upgradable");
}
