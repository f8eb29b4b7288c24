//! Issue 15: the largest customer the service supports (10,000
//! subscriptions, `domain::limits::MAX_SUBSCRIPTIONS_PER_CUSTOMER`) is
//! served with bounded answers: a page of `ListSubscriptions` holds the page,
//! and `CheckUpgradeEligibility` lists at most 20 subscriptions per reason
//! (the total in its details) however many the customer holds. Prints the
//! times (of this unoptimised build). Runs on
//! SQLite, or Postgres with TEST_DATABASE_URL.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::server::TestServer;
use csp_upgrades::clock::SystemClock;
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::limits::MAX_SUBSCRIPTIONS_PER_CUSTOMER;
use csp_upgrades::generate::{self, BIG_CUSTOMER_NAME, PARTNER_USERS, Spec};
use csp_upgrades::grpc::pb;
use prost::Message as _;

/// Generous for an unoptimised build on a shared machine; the point is the
/// size of the answers, and that they come at all.
const WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_largest_supported_customer_gets_bounded_answers() {
    let catalog = Catalog::builtin().unwrap();
    let anchor = chrono::Utc::now()
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let data = generate::generate(
        &catalog,
        &Spec {
            customers: 1,
            subscriptions_per_customer: 3,
            users_per_subscription: 1,
            big_customer_subscriptions: MAX_SUBSCRIPTIONS_PER_CUSTOMER,
            seed: 15,
            anchor,
        },
    );
    let big = data
        .customers
        .iter()
        .find(|c| c.name == BIG_CUSTOMER_NAME)
        .unwrap()
        .id;
    let source = data
        .subscriptions
        .iter()
        .find(|s| s.customer_id == big)
        .unwrap()
        .id;
    let db = common::db::fresh().await;
    csp_upgrades::startup::open_store(&db.url, &catalog, false)
        .await
        .unwrap()
        .import(&data)
        .await
        .unwrap();
    let server = TestServer::start_with(db, false, Arc::new(SystemClock)).await;
    let token = server.token(PARTNER_USERS[0].0).await;

    let started = Instant::now();
    let page = server
        .customers(Some(token.clone()))
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: big.to_string(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let list_took = started.elapsed();
    assert_eq!(page.subscriptions.len(), 100);
    assert!(!page.next_page_token.is_empty());

    let check = || {
        let mut client = server.upgrades(Some(token.clone()));
        async move {
            let started = Instant::now();
            let answer = client
                .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
                    customer_id: big.to_string(),
                    subscription_id: source.to_string(),
                    target_offer_id: String::new(),
                    as_of: 0,
                })
                .await
                .unwrap()
                .into_inner();
            (answer, started.elapsed())
        }
    };
    let (answer, check_took) = check().await;
    let (_, cached_took) = check().await;
    let bytes = answer.encoded_len();
    let listed = answer
        .targets
        .iter()
        .flat_map(|t| &t.reasons)
        .chain(&answer.source_reasons)
        .map(|r| r.subscriptions.len())
        .max()
        .unwrap_or(0);
    eprintln!(
        "{MAX_SUBSCRIPTIONS_PER_CUSTOMER} subscriptions: ListSubscriptions(100) {list_took:?}, \
         CheckUpgradeEligibility {check_took:?} ({bytes} bytes, {} targets), again {cached_took:?}",
        answer.targets.len()
    );
    assert!(listed <= 20, "a reason lists {listed} subscriptions");
    assert!(bytes < 256 * 1024, "the answer is {bytes} bytes");
    assert!(list_took < WITHIN && check_took < WITHIN);
}
