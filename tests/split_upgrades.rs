//! SPEC §8 through the real server on the demo data (SQLite, or Postgres
//! with TEST_DATABASE_URL): partial upgrades and upgrades into an existing
//! subscription, what eligibility says about them, every new error with its
//! code and details, and the new fields' isolation and permissions.

mod common;

use std::sync::Arc;

use chrono::TimeZone;
use common::server::*;
use csp_upgrades::clock::FixedClock;
use csp_upgrades::grpc::pb;
use tonic::Code;
use tonic_types::StatusExt;

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const ALICE: &str = "50000000-0000-4000-8000-000000000101";
const BOB: &str = "50000000-0000-4000-8000-000000000102";
const CAROL: &str = "50000000-0000-4000-8000-000000000103";
const KARL: &str = "50000000-0000-4000-8000-000000000304";
const CONTOSO: &str = "30000000-0000-4000-8000-000000000003";
const CONTOSO_DELETED_STANDARD: &str = "40000000-0000-4000-8000-000000000301";
const CONTOSO_E3: &str = "40000000-0000-4000-8000-000000000302";
const CONTOSO_BASIC: &str = "40000000-0000-4000-8000-000000000303";
const CONTOSO_STORAGE_ADD_ON: &str = "40000000-0000-4000-8000-000000000304";
const ALPINE: &str = "30000000-0000-4000-8000-000000000005";
const ALPINE_BASIC: &str = "40000000-0000-4000-8000-000000000501";
const ALPINE_EA_E3: &str = "40000000-0000-4000-8000-000000000502";
const COHO: &str = "30000000-0000-4000-8000-000000000006";
const COHO_STANDARD: &str = "40000000-0000-4000-8000-000000000601";
const ROSA: &str = "50000000-0000-4000-8000-000000000601";
const OTHER_PARTNERS_SUB: &str = "40000000-0000-4000-8000-000000009101";

async fn start() -> TestServer {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
        .unwrap();
    TestServer::start_with(common::db::fresh().await, true, Arc::new(FixedClock(now))).await
}

fn submit(customer: &str, sub: &str, target: &str, quantity: i64) -> pb::SubmitUpgradeRequest {
    pb::SubmitUpgradeRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        customer_id: customer.into(),
        subscription_id: sub.into(),
        target_offer_id: target.into(),
        quantity,
        upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
        ..Default::default()
    }
}

fn partial(mut r: pb::SubmitUpgradeRequest, users: &[&str]) -> pb::SubmitUpgradeRequest {
    r.partial = true;
    r.user_ids = users.iter().map(|u| u.to_string()).collect();
    r
}

fn into(mut r: pb::SubmitUpgradeRequest, receiver: &str) -> pb::SubmitUpgradeRequest {
    r.target_subscription_id = receiver.into();
    r
}

fn preview_of(r: &pb::SubmitUpgradeRequest) -> pb::PreviewUpgradeRequest {
    pb::PreviewUpgradeRequest {
        customer_id: r.customer_id.clone(),
        subscription_id: r.subscription_id.clone(),
        target_offer_id: r.target_offer_id.clone(),
        quantity: r.quantity,
        upgrade_type: r.upgrade_type,
        billing_cycle: r.billing_cycle,
        partial: r.partial,
        user_ids: r.user_ids.clone(),
        target_subscription_id: r.target_subscription_id.clone(),
        schedule: r.schedule,
    }
}

async fn subscriptions(server: &TestServer, token: &str, customer: &str) -> Vec<pb::Subscription> {
    server
        .customers(Some(token.into()))
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: customer.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subscriptions
}

fn find<'a>(subs: &'a [pb::Subscription], id: &str) -> &'a pb::Subscription {
    subs.iter().find(|s| s.subscription_id == id).unwrap()
}

#[tokio::test]
async fn partial_upgrades_split_seats_and_users_and_the_source_stays_upgradable() {
    let server = start().await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));

    // The preview says exactly what the submission does.
    let first = partial(
        submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 3),
        &[BOB, ALICE],
    );
    let preview = c
        .preview_upgrade(preview_of(&first))
        .await
        .unwrap()
        .into_inner();
    assert!(preview.would_succeed, "{}", preview.refusal_message);
    assert_eq!(preview.moved_user_count, 2);
    let order = c.submit_upgrade(first).await.unwrap().into_inner();
    assert_eq!(order.state, pb::OrderState::Completed as i32);
    assert!(order.partial && !order.into_existing_subscription);
    assert_eq!(order.user_ids, [ALICE, BOB], "sorted");
    assert_eq!(order.moved_user_count, preview.moved_user_count);
    assert_eq!(order.prorated_credit, preview.prorated_credit);
    assert_eq!(order.migration_report, preview.migration_report);
    assert!(
        order
            .migration_report
            .iter()
            .all(|m| m.user_id == ALICE || m.user_id == BOB),
        "the report covers the moved users only"
    );
    let target = order.target_subscription_id.clone();
    let subs = subscriptions(&server, &agent, NORTHWIND).await;
    let (src, tgt) = (find(&subs, NORTHWIND_BASIC), find(&subs, &target));
    assert_eq!(src.status, pb::SubscriptionStatus::Active as i32);
    assert_eq!((src.quantity, src.assigned_seats), (7, 2));
    assert_eq!((tgt.quantity, tgt.assigned_seats), (3, 2));

    // The source is still upgradable, and eligibility offers the new E3 as
    // a receiver.
    let answer = c
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: "o365-e3".into(),
            as_of: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let e3 = &answer.targets[0];
    assert!(!e3.eligible, "a second new E3 is TARGET_ALREADY_OWNED");
    assert!(!e3.partial_eligible);
    assert_eq!(e3.partial_max_quantity, 6);
    assert_eq!(e3.receiving_subscriptions.len(), 1);
    assert_eq!(e3.receiving_subscriptions[0].subscription_id, target);
    assert_eq!(e3.receiving_subscriptions[0].quantity, 3);

    // A second partial into the first's target.
    let second = into(
        partial(submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 1), &[CAROL]),
        &target,
    );
    let order = c.submit_upgrade(second).await.unwrap().into_inner();
    assert!(order.partial && order.into_existing_subscription);
    assert_eq!(order.target_subscription_id, target);
    let subs = subscriptions(&server, &agent, NORTHWIND).await;
    assert_eq!(find(&subs, NORTHWIND_BASIC).quantity, 6);
    assert_eq!(find(&subs, &target).quantity, 4);
    assert_eq!(find(&subs, &target).assigned_seats, 3);
    let e3s = subs.iter().filter(|s| s.offer_id == "o365-e3").count();
    assert_eq!(e3s, 1, "no new subscription");
}

#[tokio::test]
async fn an_add_on_blocks_only_the_full_upgrade_and_stays_with_the_source() {
    let server = start().await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));
    let answer = c
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: COHO.into(),
            subscription_id: COHO_STANDARD.into(),
            target_offer_id: "o365-e3".into(),
            as_of: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let e3 = &answer.targets[0];
    assert!(!e3.eligible && e3.partial_eligible, "{e3:?}");
    let err = c
        .submit_upgrade(submit(COHO, COHO_STANDARD, "o365-e3", 6))
        .await
        .unwrap_err();
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "ADD_ON_INCOMPATIBLE"
    );
    let order = c
        .submit_upgrade(partial(submit(COHO, COHO_STANDARD, "o365-e3", 2), &[ROSA]))
        .await
        .unwrap()
        .into_inner();
    assert!(order.dropped_add_ons.is_empty());
    let subs = subscriptions(&server, &agent, COHO).await;
    let voice = subs
        .iter()
        .find(|s| s.offer_id == "business-voice")
        .unwrap();
    assert_eq!(voice.status, pb::SubscriptionStatus::Active as i32);
    assert_eq!(voice.parent_subscription_id, COHO_STANDARD);
}

#[tokio::test]
async fn seats_go_into_an_existing_subscription() {
    let server = start().await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));
    let before = subscriptions(&server, &agent, CONTOSO).await;
    let order = c
        .submit_upgrade(into(
            submit(CONTOSO, CONTOSO_BASIC, "o365-e3", 5),
            CONTOSO_E3,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state, pb::OrderState::Completed as i32);
    assert_eq!(order.target_subscription_id, CONTOSO_E3);
    let after = subscriptions(&server, &agent, CONTOSO).await;
    assert_eq!(after.len(), before.len(), "no new subscription");
    assert_eq!(find(&after, CONTOSO_E3).quantity, 25);
    assert_eq!(
        find(&after, CONTOSO_BASIC).status,
        pb::SubscriptionStatus::Deleted as i32
    );
}

/// Every new refusal, with its code, `ErrorInfo` reason and details.
#[tokio::test]
async fn wrong_receivers_users_and_seats_are_refused_with_their_reason() {
    let server = start().await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));
    let contoso = || submit(CONTOSO, CONTOSO_BASIC, "o365-e3", 5);
    let mut monthly = into(contoso(), CONTOSO_E3);
    monthly.billing_cycle = pb::BillingCycle::Monthly as i32;
    let cases: Vec<(&str, pb::SubmitUpgradeRequest, Code, &str)> = vec![
        (
            "another customer's",
            into(contoso(), NORTHWIND_BASIC),
            Code::NotFound,
            "RESOURCE_NOT_FOUND",
        ),
        (
            "another partner's",
            into(contoso(), OTHER_PARTNERS_SUB),
            Code::NotFound,
            "RESOURCE_NOT_FOUND",
        ),
        (
            "an add-on of another offer",
            into(contoso(), CONTOSO_STORAGE_ADD_ON),
            Code::FailedPrecondition,
            "TARGET_SUBSCRIPTION_OFFER_MISMATCH",
        ),
        (
            "the source itself",
            into(contoso(), CONTOSO_BASIC),
            Code::FailedPrecondition,
            "TARGET_SUBSCRIPTION_OFFER_MISMATCH",
        ),
        (
            "another billing cycle",
            monthly,
            Code::FailedPrecondition,
            "TARGET_SUBSCRIPTION_CYCLE_MISMATCH",
        ),
        (
            "bought elsewhere",
            into(submit(ALPINE, ALPINE_BASIC, "o365-e3", 8), ALPINE_EA_E3),
            Code::FailedPrecondition,
            "TARGET_SUBSCRIPTION_OTHER_CHANNEL",
        ),
        (
            "cancelled",
            into(
                submit(CONTOSO, CONTOSO_BASIC, "m365-business-standard", 5),
                CONTOSO_DELETED_STANDARD,
            ),
            Code::FailedPrecondition,
            "TARGET_SUBSCRIPTION_NOT_ACTIVE",
        ),
        (
            "a user of another subscription",
            partial(
                submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 2),
                &[ALICE, KARL],
            ),
            Code::FailedPrecondition,
            "USERS_NOT_ON_SOURCE",
        ),
        (
            "too few seats left",
            partial(submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 8), &[]),
            Code::FailedPrecondition,
            "SOURCE_SEATS_SHORT",
        ),
        (
            "more users than seats",
            partial(
                submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 1),
                &[ALICE, BOB],
            ),
            Code::InvalidArgument,
            "USERS_EXCEED_QUANTITY",
        ),
        (
            "all of the source's seats",
            partial(submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10), &[]),
            Code::InvalidArgument,
            "QUANTITY_ABOVE_MAXIMUM",
        ),
        (
            "users in a full upgrade",
            {
                let mut r = submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10);
                r.user_ids = vec![ALICE.into()];
                r
            },
            Code::InvalidArgument,
            "INVALID_FIELD",
        ),
        (
            "a user twice",
            partial(
                submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 3),
                &[ALICE, ALICE],
            ),
            Code::InvalidArgument,
            "INVALID_FIELD",
        ),
        (
            "a user id that is no UUID",
            partial(submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 3), &["alice"]),
            Code::InvalidArgument,
            "INVALID_FIELD",
        ),
        (
            "a receiver id that is no UUID",
            into(contoso(), "e3"),
            Code::InvalidArgument,
            "INVALID_FIELD",
        ),
    ];
    for (what, request, code, reason) in cases {
        let err = c.submit_upgrade(request.clone()).await.unwrap_err();
        assert_eq!(err.code(), code, "{what}: {err:?}");
        let info = err.get_details_error_info().expect("ErrorInfo");
        assert_eq!(info.reason, reason, "{what}");
        assert!(err.get_details_localized_message().is_some(), "{what}");
        match code {
            Code::FailedPrecondition => {
                let violations = err
                    .get_details_precondition_failure()
                    .expect(what)
                    .violations;
                assert_eq!(violations[0].r#type, reason, "{what}");
            }
            Code::InvalidArgument => {
                let bad = err.get_details_bad_request().expect(what);
                assert!(!bad.field_violations.is_empty(), "{what}");
            }
            _ => assert!(err.get_details_resource_info().is_some(), "{what}"),
        }
        // The preview answers the same refusal without writing.
        if code == Code::FailedPrecondition {
            let preview = c
                .preview_upgrade(preview_of(&request))
                .await
                .unwrap()
                .into_inner();
            assert!(!preview.would_succeed, "{what}");
            assert_eq!(preview.refusal().as_str_name(), reason, "{what}");
        }
    }
    // Nothing was written by any of them.
    let subs = subscriptions(&server, &agent, NORTHWIND).await;
    assert_eq!(find(&subs, NORTHWIND_BASIC).quantity, 10);
}

/// The new fields need no new permission and open no door: a partner user
/// may neither submit nor preview any kind (a user without roles); another partner's token cannot
/// reach the customer or its receiver.
#[tokio::test]
async fn new_fields_keep_permissions_and_isolation() {
    let server = start().await;
    let nobody = server.token(NO_ROLE).await;
    let request = partial(submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 3), &[ALICE]);
    let mut c = server.upgrades(Some(nobody));
    let err = c.submit_upgrade(request.clone()).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = c.preview_upgrade(preview_of(&request)).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let other = server.token(B_GLOBAL_ADMIN).await;
    let err = server
        .upgrades(Some(other))
        .submit_upgrade(into(
            submit(CONTOSO, CONTOSO_BASIC, "o365-e3", 5),
            CONTOSO_E3,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    // Nothing moved for either.
    let agent = server.token(ADMIN_AGENT).await;
    let subs = subscriptions(&server, &agent, NORTHWIND).await;
    assert_eq!(find(&subs, NORTHWIND_BASIC).quantity, 10);
    let subs = subscriptions(&server, &agent, CONTOSO).await;
    assert_eq!(find(&subs, CONTOSO_E3).quantity, 20);
}

const TAILSPIN: &str = "30000000-0000-4000-8000-000000000008";
const TAILSPIN_E4: &str = "40000000-0000-4000-8000-000000000801";
const WALT: &str = "50000000-0000-4000-8000-000000000801";

/// A partial order held for a credit check moves nothing until a billing
/// admin approves it; then exactly the seats and the user it named move.
#[tokio::test]
async fn a_partial_order_approved_after_a_credit_check_moves_what_it_named() {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
        .unwrap();
    // A low threshold: ten seats of E5 need a credit check.
    let options = csp_upgrades::state::Options {
        credit_check_thresholds: [("USD".to_owned(), rust_decimal::Decimal::from(100))].into(),
        ..Default::default()
    };
    let server = TestServer::start_with_options(
        common::db::fresh().await,
        Arc::new(FixedClock(now)),
        options,
    )
    .await;
    let agent = server.token(ADMIN_AGENT).await;
    let request = partial(submit(TAILSPIN, TAILSPIN_E4, "o365-e5", 10), &[WALT]);
    let preview = server
        .upgrades(Some(agent.clone()))
        .preview_upgrade(preview_of(&request))
        .await
        .unwrap()
        .into_inner();
    assert!(preview.would_succeed && preview.credit_check_required);
    let waiting = server
        .upgrades(Some(agent.clone()))
        .submit_upgrade(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(waiting.state(), pb::OrderState::PendingCreditCheck);
    assert!(waiting.partial);
    let subs = subscriptions(&server, &agent, TAILSPIN).await;
    assert_eq!(subs.len(), 1, "nothing moved yet");
    assert_eq!(find(&subs, TAILSPIN_E4).quantity, 120);

    let billing = server.token(BILLING_ADMIN).await;
    let done = server
        .upgrades(Some(billing))
        .resolve_credit_check(pb::ResolveCreditCheckRequest {
            order_id: waiting.order_id.clone(),
            decision: pb::CreditDecision::Approve as i32,
            note: "within the customer's limit".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.state(), pb::OrderState::Completed);
    assert_eq!(done.user_ids, [WALT]);
    assert_eq!(done.moved_user_count, 1);
    assert_eq!(done.prorated_credit, preview.prorated_credit);
    let subs = subscriptions(&server, &agent, TAILSPIN).await;
    let (src, tgt) = (
        find(&subs, TAILSPIN_E4),
        find(&subs, &done.target_subscription_id),
    );
    assert_eq!(src.status(), pb::SubscriptionStatus::Active);
    assert_eq!((src.quantity, src.assigned_seats), (110, 2));
    assert_eq!((tgt.quantity, tgt.assigned_seats), (10, 1));
    assert_eq!(tgt.offer_id, "o365-e5");
}
