//! Issue 3 through the real server on the demo data: every reason code is
//! reachable, the list hint agrees with the check, and the check is guarded
//! like every other read.

mod common;

use std::collections::BTreeSet;

use common::server::*;
use csp_upgrades::grpc::pb;
use pb::ReasonCode;
use tonic::Code;
use tonic_types::StatusExt;

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const FABRIKAM_CUSTOMER: &str = "30000000-0000-4000-8000-000000000091";

fn check(customer: &str, subscription: &str, target: &str) -> pb::CheckUpgradeEligibilityRequest {
    pb::CheckUpgradeEligibilityRequest {
        customer_id: customer.into(),
        subscription_id: subscription.into(),
        target_offer_id: target.into(),
        as_of: 0,
    }
}

fn upgrades(
    server: &TestServer,
    token: &str,
) -> pb::upgrade_service_client::UpgradeServiceClient<Authed> {
    server.upgrades(Some(token.into()))
}

/// Walks every subscription of every demo customer, against every path and
/// every other offer of the catalog named as target.
#[tokio::test]
async fn every_reason_code_is_reachable_and_hints_agree_with_the_check() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let mut customers = server.customers(Some(token.clone()));
    let mut upgrade = upgrades(&server, &token);
    let offers: Vec<String> = server
        .offers(Some(token.clone()))
        .list_offers(pb::ListOffersRequest {
            page_size: 1000,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .offers
        .into_iter()
        .map(|o| o.offer_id)
        .collect();

    let all = customers
        .list_customers(pb::ListCustomersRequest {
            page_size: 1000,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .customers;
    let mut seen = BTreeSet::new();
    let (mut hinted, mut checked) = (0, 0);
    for customer in &all {
        let subscriptions = customers
            .list_subscriptions(pb::ListSubscriptionsRequest {
                customer_id: customer.customer_id.clone(),
                page_size: 1000,
                page_token: String::new(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .subscriptions;
        for s in subscriptions {
            let answer = upgrade
                .check_upgrade_eligibility(check(&customer.customer_id, &s.subscription_id, ""))
                .await
                .unwrap()
                .into_inner();
            checked += 1;
            let eligible = answer.targets.iter().any(|t| t.eligible);
            assert_eq!(
                s.upgrade_available, eligible,
                "hint of {} ({}) at {}",
                s.subscription_id, s.offer_id, customer.name
            );
            hinted += usize::from(eligible);
            for t in &answer.targets {
                assert!(t.in_matrix);
                assert_eq!(t.eligible, t.reasons.is_empty(), "{t:?}");
                assert_eq!(t.eligible, !t.allowed_upgrade_types.is_empty());
                seen.extend(t.reasons.iter().map(|r| r.code));
            }
            seen.extend(answer.source_reasons.iter().map(|r| r.code));
            let paths: BTreeSet<_> = answer
                .targets
                .iter()
                .map(|t| t.target_offer_id.clone())
                .collect();
            for offer in offers.iter().filter(|o| !paths.contains(*o)) {
                let named = upgrade
                    .check_upgrade_eligibility(check(
                        &customer.customer_id,
                        &s.subscription_id,
                        offer,
                    ))
                    .await
                    .unwrap()
                    .into_inner();
                let [t] = named.targets.as_slice() else {
                    panic!("one target asked, {} answered", named.targets.len())
                };
                assert!(!t.eligible && !t.in_matrix);
                let codes: Vec<_> = t.reasons.iter().map(|r| r.code).collect();
                assert!(codes.contains(&(ReasonCode::TargetNotInMatrix as i32)));
                seen.extend(codes);
            }
        }
    }
    let expected: BTreeSet<i32> = (1..=24).collect();
    let missing: Vec<_> = expected
        .difference(&seen)
        .map(|c| ReasonCode::try_from(*c).unwrap().as_str_name())
        .collect();
    assert!(
        missing.is_empty(),
        "reason codes never produced: {missing:?}"
    );
    assert_eq!(seen, expected);
    assert!(
        checked > 40 && hinted > 5,
        "checked {checked}, hinted {hinted}"
    );
}

#[tokio::test]
async fn a_clean_customer_can_upgrade_and_every_reason_is_explained() {
    let server = TestServer::start().await;
    let token = server.token(SALES_AGENT).await;
    let answer = upgrades(&server, &token)
        .check_upgrade_eligibility(check(NORTHWIND, NORTHWIND_BASIC, ""))
        .await
        .unwrap()
        .into_inner();
    let targets: Vec<_> = answer
        .targets
        .iter()
        .map(|t| t.target_offer_id.as_str())
        .collect();
    assert_eq!(
        targets,
        ["m365-business-standard", "o365-e1", "o365-e3", "o365-e5"]
    );
    for t in &answer.targets {
        assert!(t.eligible, "{t:?}");
        assert_eq!(
            t.allowed_upgrade_types,
            [
                pb::UpgradeType::WithLicenseTransfer as i32,
                pb::UpgradeType::UpgradeOnly as i32
            ]
        );
        assert!(t.min_quantity >= 1 && t.max_quantity >= t.min_quantity);
        assert!(t.manual_path.is_none());
    }

    // A named target outside the matrix: every reason, each with a message
    // and a remedy, and the manual path with this customer's numbers.
    let answer = upgrades(&server, &token)
        .check_upgrade_eligibility(check(NORTHWIND, NORTHWIND_BASIC, "m365-apps-enterprise"))
        .await
        .unwrap()
        .into_inner();
    let t = &answer.targets[0];
    let codes: BTreeSet<_> = t.reasons.iter().map(|r| r.code).collect();
    assert!(codes.contains(&(ReasonCode::TargetNotInMatrix as i32)));
    assert!(codes.contains(&(ReasonCode::DataServiceDowngrade as i32)));
    for r in &t.reasons {
        assert!(!r.message.is_empty() && r.remedy != 0, "{r:?}");
    }
    let manual = t.manual_path.as_ref().expect("a manual change is possible");
    assert!(manual.backup_data_first);
    assert_eq!(manual.licenses_to_buy, t.min_quantity);
    assert!(manual.users_to_reassign > 0);
    assert!(!manual.steps.is_empty());
}

#[tokio::test]
async fn an_app_caller_may_only_upgrade_without_moving_licenses() {
    let server = TestServer::start().await;
    let app = server.app_token("reseller-bot", "10000000-0000-4000-8000-000000000001");
    let answer = upgrades(&server, &app)
        .check_upgrade_eligibility(check(NORTHWIND, NORTHWIND_BASIC, "o365-e3"))
        .await
        .unwrap()
        .into_inner();
    assert!(answer.targets[0].eligible);
    assert_eq!(
        answer.targets[0].allowed_upgrade_types,
        [pb::UpgradeType::UpgradeOnly as i32]
    );
}

#[tokio::test]
async fn the_check_is_guarded_like_every_read() {
    let server = TestServer::start().await;
    let err = upgrades(&server, &server.token(BILLING_ADMIN).await)
        .check_upgrade_eligibility(check(NORTHWIND, NORTHWIND_BASIC, ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    let mut agent = upgrades(&server, &server.token(ADMIN_AGENT).await);
    // Another partner's customer, and a subscription of another customer.
    let b_subscriptions = server
        .customers(Some(server.token(B_GLOBAL_ADMIN).await))
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: FABRIKAM_CUSTOMER.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    let b_sub = &b_subscriptions[0].subscription_id;
    for (customer, subscription) in [
        (FABRIKAM_CUSTOMER, b_sub.as_str()),
        (NORTHWIND, b_sub.as_str()),
    ] {
        let err = agent
            .check_upgrade_eligibility(check(customer, subscription, ""))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound, "{customer} {subscription}");
    }

    for (target, field) in [
        ("Not An Offer", "target_offer_id"),
        ("o365-e9", "target_offer_id"),
    ] {
        let err = agent
            .check_upgrade_eligibility(check(NORTHWIND, NORTHWIND_BASIC, target))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{target}");
        assert_eq!(
            err.get_details_bad_request().unwrap().field_violations[0].field,
            field
        );
    }
    let err = agent
        .check_upgrade_eligibility(check(NORTHWIND, "x", ""))
        .await
        .unwrap_err();
    assert_eq!(
        err.get_details_bad_request().unwrap().field_violations[0].field,
        "subscription_id"
    );
}
