//! Issue 14's six answers through the real server on the demo data (SQLite,
//! or Postgres with TEST_DATABASE_URL): each fix shown on the demo customer
//! that exhibits it (demo/README.md, customers 25 and 30-39).

mod common;

use common::server::*;
use csp_upgrades::grpc::pb;
use pb::ReasonCode::{self, *};

fn id(kind: char, n: &str) -> String {
    format!("{kind}0000000-0000-4000-8000-{n:0>12}")
}

fn customer(cc: &str) -> String {
    id('3', cc)
}

fn subscription(cckk: &str) -> String {
    id('4', cckk)
}

async fn check(
    server: &TestServer,
    cc: &str,
    sub: &str,
    target: &str,
) -> pb::CheckUpgradeEligibilityResponse {
    let token = server.token(ADMIN_AGENT).await;
    server
        .upgrades(Some(token))
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: customer(cc),
            subscription_id: subscription(sub),
            target_offer_id: target.into(),
            as_of: 0,
        })
        .await
        .unwrap_or_else(|e| panic!("{sub} -> {target:?}: {e:?}"))
        .into_inner()
}

fn codes(t: &pb::TargetEligibility) -> Vec<ReasonCode> {
    t.reasons
        .iter()
        .map(|r| ReasonCode::try_from(r.code).expect("a known code"))
        .collect()
}

fn target<'a>(
    answer: &'a pb::CheckUpgradeEligibilityResponse,
    offer: &str,
) -> &'a pb::TargetEligibility {
    answer
        .targets
        .iter()
        .find(|t| t.target_offer_id == offer)
        .unwrap_or_else(|| panic!("no target {offer}"))
}

/// Fix 1 (SPEC §4.20) and fix 6 (SPEC §6): a Business Basic with 300 seats
/// bought and 301 assigned, and no user records in the data.
#[tokio::test]
async fn the_sources_own_cap_is_no_reason_and_assigned_seats_are_users_to_move() {
    let server = TestServer::start().await;
    let answer = check(&server, "35", "3501", "").await;
    let e3 = target(&answer, "o365-e3");
    assert_eq!(codes(e3), [LicenseConflict]);
    let manual = e3.manual_path.as_ref().expect("a manual change");
    assert_eq!(manual.users_to_reassign, 301);
    assert!(
        manual
            .steps
            .iter()
            .any(|s| s.contains("301 users") && s.contains("user records exist for only 0")),
        "{:#?}",
        manual.steps
    );
    assert!(!manual.steps.iter().any(|s| s.contains(" 0 users")));
    // Business Standard's own maximum of 300 does count.
    let standard = target(&answer, "m365-business-standard");
    assert_eq!(codes(standard), [LicenseConflict, SeatLimitExceeded]);

    // Apps for business with 301 seats: only Business Premium (300) is too small.
    let answer = check(&server, "36", "3601", "").await;
    for t in &answer.targets {
        let expect: &[ReasonCode] = if t.target_offer_id == "m365-business-premium" {
            &[SeatLimitExceeded]
        } else {
            &[]
        };
        assert_eq!(codes(t), expect, "{}", t.target_offer_id);
    }
    // Consolidated Messenger, 350 seats of Business Basic: the Enterprise
    // plans are open, and the list hint says so.
    let answer = check(&server, "25", "2501", "").await;
    let eligible: Vec<&str> = answer
        .targets
        .iter()
        .filter(|t| t.eligible)
        .map(|t| t.target_offer_id.as_str())
        .collect();
    assert_eq!(eligible, ["o365-e1", "o365-e3", "o365-e5"]);
    let token = server.token(ADMIN_AGENT).await;
    let subs = server
        .customers(Some(token))
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: customer("25"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert!(subs[0].upgrade_available);
}

/// Fix 2 (SPEC §4.8): a second Business Basic bought directly.
#[tokio::test]
async fn duplicate_plans_count_every_channel() {
    let server = TestServer::start().await;
    let answer = check(&server, "37", "3701", "").await;
    assert_eq!(answer.targets.len(), 4);
    for t in &answer.targets {
        assert_eq!(codes(t), [DuplicatePlans], "{}", t.target_offer_id);
        let named: Vec<(String, i32)> = t.reasons[0]
            .subscriptions
            .iter()
            .map(|s| (s.subscription_id.clone(), s.channel))
            .collect();
        assert_eq!(
            named,
            [
                (subscription("3701"), pb::Channel::ThisPartner as i32),
                (subscription("3702"), pb::Channel::Direct as i32),
            ]
        );
    }
}

/// Fix 3 (SPEC §4.24): a P plan with a custom domain, K1 named outside the
/// matrix.
#[tokio::test]
async fn a_custom_domain_blocks_a_named_target_outside_the_matrix() {
    let server = TestServer::start().await;
    let answer = check(&server, "30", "3001", "legacy-o365-k1").await;
    assert_eq!(
        codes(&answer.targets[0]),
        [
            TargetNotInMatrix,
            DataServiceDowngrade,
            CustomDomainBlocksSwitch
        ]
    );
}

/// Fix 4 (SPEC §3): Directory Writer allows a license transfer.
#[tokio::test]
async fn directory_writer_allows_a_license_transfer() {
    let server = TestServer::start().await;
    let answer = check(&server, "38", "3801", "").await;
    for t in &answer.targets {
        assert!(t.eligible, "{t:?}");
        assert_eq!(
            t.allowed_upgrade_types,
            [
                pb::UpgradeType::WithLicenseTransfer as i32,
                pb::UpgradeType::UpgradeOnly as i32
            ]
        );
    }
}

/// Fix 5 (SPEC §4.15): a global source of a customer in India may move to an
/// India SKU; outside India it may not.
#[tokio::test]
async fn a_global_source_in_india_may_move_to_an_india_sku() {
    let server = TestServer::start().await;
    let india = check(&server, "39", "3901", "m365-business-standard-in").await;
    assert_eq!(codes(&india.targets[0]), [TargetNotInMatrix]);
    let us = check(&server, "01", "0101", "m365-business-standard-in").await;
    assert_eq!(codes(&us.targets[0]), [TargetNotInMatrix, MarketMismatch]);
    // An India SKU still only moves to an India SKU.
    let leeds = check(&server, "27", "2701", "m365-business-standard").await;
    assert_eq!(
        codes(&leeds.targets[0]),
        [TargetNotInMatrix, MarketMismatch]
    );
}
