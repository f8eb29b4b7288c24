//! Issue 5 through the real server on the demo data (SQLite, or Postgres with
//! TEST_DATABASE_URL): all-or-nothing submission, idempotency, concurrency,
//! credit checks, the migration report and status streaming.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::TimeZone;
use common::server::*;
use csp_upgrades::clock::FixedClock;
use csp_upgrades::grpc::pb;
use csp_upgrades::storage::PageRequest;
use tonic::Code;
use tonic_types::StatusExt;

const PARTNER: &str = "10000000-0000-4000-8000-000000000001";
const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const TAILSPIN: &str = "30000000-0000-4000-8000-000000000008";
const TAILSPIN_E4: &str = "40000000-0000-4000-8000-000000000801";
const LITWARE_ORDER: &str = "60000000-0000-4000-8000-000000000003";
const LITWARE: &str = "30000000-0000-4000-8000-000000000011";
const LITWARE_STANDARD: &str = "40000000-0000-4000-8000-000000001101";

async fn start() -> TestServer {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
        .unwrap();
    TestServer::start_with(common::db::fresh().await, true, Arc::new(FixedClock(now))).await
}

fn client(
    server: &TestServer,
    token: &str,
) -> pb::upgrade_service_client::UpgradeServiceClient<Authed> {
    server.upgrades(Some(token.into()))
}

fn submit(customer: &str, sub: &str, target: &str, quantity: i64) -> pb::SubmitUpgradeRequest {
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

fn preview_of(r: &pb::SubmitUpgradeRequest) -> pb::PreviewUpgradeRequest {
    pb::PreviewUpgradeRequest {
        customer_id: r.customer_id.clone(),
        subscription_id: r.subscription_id.clone(),
        target_offer_id: r.target_offer_id.clone(),
        quantity: r.quantity,
        upgrade_type: r.upgrade_type,
        billing_cycle: r.billing_cycle,
        ..Default::default()
    }
}

async fn subscriptions(server: &TestServer, token: &str, customer: &str) -> Vec<pb::Subscription> {
    server
        .customers(Some(token.into()))
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: customer.into(),
            page_size: 1000,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subscriptions
}

fn reason_codes(status: &tonic::Status) -> BTreeSet<String> {
    status
        .get_details_precondition_failure()
        .map(|p| p.violations.into_iter().map(|v| v.r#type).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn end_to_end_check_preview_submit_get_list_watch() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let mut upgrades = client(&server, &token);

    let check = upgrades
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: "o365-e3".into(),
            as_of: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(check.targets[0].eligible);

    let request = submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12);
    let preview = upgrades
        .preview_upgrade(preview_of(&request))
        .await
        .unwrap()
        .into_inner();
    assert!(
        preview.would_succeed && !preview.credit_check_required,
        "{preview:?}"
    );
    // 10 seats x 6.00 x 12 months = 720.00 for the year 2026-03-01..2027-03-01
    // (365 days); on 2026-11-11, 109 days are unused: 720 x 109 / 365 = 215.01.
    assert_eq!(preview.prorated_credit.as_ref().unwrap().amount, "215.01");
    assert_eq!(preview.prorated_credit.as_ref().unwrap().currency, "USD");
    assert_eq!(preview.monthly_value.as_ref().unwrap().amount, "276.00");

    let order = upgrades
        .submit_upgrade(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state, pb::OrderState::Completed as i32);
    assert_eq!(
        order.outcome,
        pb::OrderOutcome::CompletedWithAccountsNeedingWork as i32
    );
    assert_eq!(
        order.migration_report, preview.migration_report,
        "preview and submit agree"
    );
    assert_eq!(order.prorated_credit, preview.prorated_credit);
    assert_eq!(order.moved_user_count, 4);
    assert_eq!(order.quantity, 12);
    let issues: BTreeSet<_> = order
        .migration_report
        .iter()
        .map(|m| {
            (
                m.user_principal_name.as_str(),
                m.issue,
                m.service_id.as_str(),
            )
        })
        .collect();
    for expected in [
        (
            "alice@northwind.example",
            pb::MigrationIssue::ServicePlansReset as i32,
            "sharepoint",
        ),
        (
            "dan@northwind.example",
            pb::MigrationIssue::ServicePlansReset as i32,
            "teams",
        ),
        (
            "bob@northwind.example",
            pb::MigrationIssue::SignInBlocked as i32,
            "",
        ),
    ] {
        assert!(
            issues.contains(&expected),
            "{expected:?} missing from {issues:?}"
        );
    }
    let states: Vec<_> = order.events.iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        [
            pb::OrderState::InProgress as i32,
            pb::OrderState::Completed as i32
        ]
    );

    let got = upgrades
        .get_upgrade_order(pb::GetUpgradeOrderRequest {
            order_id: order.order_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, order);
    let listed = upgrades
        .list_upgrade_orders(pb::ListUpgradeOrdersRequest {
            customer_id: NORTHWIND.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.orders, std::slice::from_ref(&order));
    // A finished order's watch sends its final state and ends.
    let mut watch = upgrades
        .watch_upgrade_order(pb::WatchUpgradeOrderRequest {
            order_id: order.order_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let update = watch.message().await.unwrap().unwrap();
    assert_eq!(
        update.event.unwrap().state,
        pb::OrderState::Completed as i32
    );
    assert!(watch.message().await.unwrap().is_none());

    // The order is in the partner's audit log, with who submitted it.
    let audit = server
        .roles(Some(server.token(GLOBAL_ADMIN).await))
        .list_audit_records(pb::ListAuditRecordsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let record = audit
        .records
        .iter()
        .find(|r| r.target_order_id == order.order_id)
        .expect("an audit record of the order");
    assert_eq!(record.action, pb::AuditAction::SubmitUpgrade as i32);
    assert_eq!(
        record.actor.as_ref().unwrap().user_principal_name,
        ADMIN_AGENT
    );
    assert_eq!(record.details["state"], "COMPLETED");

    let after = subscriptions(&server, &token, NORTHWIND).await;
    let source = after
        .iter()
        .find(|s| s.subscription_id == NORTHWIND_BASIC)
        .unwrap();
    assert_eq!(source.status, pb::SubscriptionStatus::Deleted as i32);
    assert_eq!(source.assigned_seats, 0);
    let target = after
        .iter()
        .find(|s| s.subscription_id == order.target_subscription_id)
        .unwrap();
    assert_eq!(target.offer_id, "o365-e3");
    assert_eq!(target.status, pb::SubscriptionStatus::Active as i32);
    assert_eq!((target.quantity, target.assigned_seats), (12, 4));
}

#[tokio::test]
async fn a_hundred_retries_of_one_request_make_one_order() {
    let server = start().await;
    let token = server.token(SALES_AGENT).await;
    let request = submit(NORTHWIND, NORTHWIND_BASIC, "o365-e5", 10);
    let calls = (0..100).map(|_| {
        let mut c = client(&server, &token);
        let r = request.clone();
        tokio::spawn(async move { c.submit_upgrade(r).await })
    });
    let answers = futures::future::join_all(calls).await;
    let ids: BTreeSet<_> = answers
        .into_iter()
        .map(|a| {
            a.unwrap()
                .expect("every retry gets the order")
                .into_inner()
                .order_id
        })
        .collect();
    assert_eq!(ids.len(), 1);
    let orders = list_orders(&server, NORTHWIND).await;
    assert_eq!(orders.len(), 1);
    let subs = subscriptions(&server, &token, NORTHWIND).await;
    assert_eq!(subs.iter().filter(|s| s.offer_id == "o365-e5").count(), 1);

    // The same key with another body is refused and changes nothing.
    let mut other = request.clone();
    other.quantity = 11;
    let err = client(&server, &token)
        .submit_upgrade(other)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "REQUEST_ID_REUSED"
    );
    assert_eq!(list_orders(&server, NORTHWIND).await.len(), 1);
}

async fn list_orders(
    server: &TestServer,
    customer: &str,
) -> Vec<csp_upgrades::domain::orders::UpgradeOrder> {
    server
        .state
        .store()
        .unwrap()
        .list_orders(
            PARTNER
                .parse::<uuid::Uuid>()
                .map(csp_upgrades::domain::ids::PartnerId)
                .unwrap(),
            &csp_upgrades::storage::OrderFilter {
                customer: Some(csp_upgrades::domain::ids::CustomerId::parse(customer).unwrap()),
                state: None,
            },
            &PageRequest::first(1000),
        )
        .await
        .unwrap()
        .unwrap()
        .items
}

#[tokio::test]
async fn fifty_concurrent_upgrades_of_one_customer_one_wins() {
    let server = start().await;
    let token = server.token(ADMIN_AGENT).await;
    let targets = ["o365-e3", "o365-e5", "o365-e1", "m365-business-standard"];
    let calls = (0..50).map(|i| {
        let mut c = client(&server, &token);
        let r = submit(NORTHWIND, NORTHWIND_BASIC, targets[i % targets.len()], 10);
        tokio::spawn(async move { c.submit_upgrade(r).await })
    });
    let answers: Vec<_> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|a| a.unwrap())
        .collect();
    let won: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "exactly one submission wins");
    for err in answers.iter().filter_map(|a| a.as_ref().err()) {
        assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
        let codes = reason_codes(err);
        assert!(
            codes.contains("UPGRADE_IN_PROGRESS") || codes.contains("SUBSCRIPTION_NOT_ACTIVE"),
            "{codes:?}"
        );
    }
    assert_eq!(list_orders(&server, NORTHWIND).await.len(), 1);
    let subs = subscriptions(&server, &token, NORTHWIND).await;
    assert_eq!(subs.len(), 2, "the source and one target subscription");
    assert_eq!(
        subs.iter()
            .filter(|s| s.status == pb::SubscriptionStatus::Active as i32)
            .count(),
        1
    );
}

/// Runs SQL on the test database directly (to inject a failure).
async fn sql(url: &str, statements: &[&str]) {
    use sqlx::Connection;
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut c).await.unwrap();
        }
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut c).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_failure_in_the_middle_leaves_no_trace() {
    let server = start().await;
    let url = server.url.clone();
    let token = server.token(ADMIN_AGENT).await;
    let store = server.state.store().unwrap().clone();
    let partner = csp_upgrades::domain::ids::PartnerId::parse(PARTNER).unwrap();
    let customer = csp_upgrades::domain::ids::CustomerId::parse(NORTHWIND).unwrap();
    let before = store.snapshot(partner, customer).await.unwrap().unwrap();

    // Moving the licenses comes after the target subscription is written:
    // make it fail there.
    if url.starts_with("postgres") {
        sql(&url, &[
            "CREATE FUNCTION fail_move() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_move BEFORE UPDATE ON user_licenses FOR EACH ROW EXECUTE FUNCTION fail_move()",
        ])
        .await;
    } else {
        sql(&url, &["CREATE TRIGGER fail_move BEFORE UPDATE ON user_licenses BEGIN SELECT RAISE(ABORT, 'injected failure'); END"]).await;
    }
    let request = submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10);
    let err = client(&server, &token)
        .submit_upgrade(request.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Internal);
    assert!(
        !err.message().contains("injected"),
        "database errors are not sent: {err:?}"
    );

    assert_eq!(
        store.snapshot(partner, customer).await.unwrap().unwrap(),
        before
    );
    assert!(list_orders(&server, NORTHWIND).await.is_empty());

    // Without the fault the same request goes through.
    let drop = if url.starts_with("postgres") {
        "DROP TRIGGER fail_move ON user_licenses"
    } else {
        "DROP TRIGGER fail_move"
    };
    sql(&url, &[drop]).await;
    let order = client(&server, &token)
        .submit_upgrade(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state, pb::OrderState::Completed as i32);
}

#[tokio::test]
async fn credit_checks_hold_the_order_until_approved_and_the_watch_follows() {
    let server = start().await;
    let agent = server.token(ADMIN_AGENT).await;
    // 150 seats of E5 at 38.00 = 5700.00 a month, paid by invoice: above the
    // default USD 5000 threshold.
    let request = submit(TAILSPIN, TAILSPIN_E4, "o365-e5", 150);
    let preview = client(&server, &agent)
        .preview_upgrade(preview_of(&request))
        .await
        .unwrap()
        .into_inner();
    assert!(preview.would_succeed && preview.credit_check_required);
    let order = client(&server, &agent)
        .submit_upgrade(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state, pb::OrderState::PendingCreditCheck as i32);
    assert_eq!(order.outcome, pb::OrderOutcome::Waiting as i32);
    assert!(order.target_subscription_id.is_empty(), "nothing moved");
    let subs = subscriptions(&server, &agent, TAILSPIN).await;
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].status, pb::SubscriptionStatus::Active as i32);

    // Meanwhile the customer's other upgrades wait.
    let err = client(&server, &agent)
        .submit_upgrade(submit(TAILSPIN, TAILSPIN_E4, "o365-e3", 120))
        .await
        .unwrap_err();
    assert!(
        reason_codes(&err).contains("CREDIT_CHECK_PENDING"),
        "{err:?}"
    );

    let mut watch = client(&server, &agent)
        .watch_upgrade_order(pb::WatchUpgradeOrderRequest {
            order_id: order.order_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert_eq!(
        first.event.unwrap().state,
        pb::OrderState::PendingCreditCheck as i32
    );

    // Only billing and global admins decide.
    let resolve = |decision: pb::CreditDecision| pb::ResolveCreditCheckRequest {
        order_id: order.order_id.clone(),
        decision: decision as i32,
        note: "credit line ok".into(),
    };
    for upn in [ADMIN_AGENT, SALES_AGENT, USER_MANAGEMENT_ADMIN] {
        let err = client(&server, &server.token(upn).await)
            .resolve_credit_check(resolve(pb::CreditDecision::Approve))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{upn}");
    }
    let billing = server.token(BILLING_ADMIN).await;
    let done = client(&server, &billing)
        .resolve_credit_check(resolve(pb::CreditDecision::Approve))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.state, pb::OrderState::Completed as i32);
    assert!(!done.target_subscription_id.is_empty());

    let mut seen = Vec::new();
    while let Some(update) = watch.message().await.unwrap() {
        seen.push(update.event.unwrap().state);
    }
    assert_eq!(
        seen,
        [
            pb::OrderState::InProgress as i32,
            pb::OrderState::Completed as i32
        ]
    );

    // A second decision is refused: it is no longer pending.
    let err = client(&server, &billing)
        .resolve_credit_check(resolve(pb::CreditDecision::Reject))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn a_rejected_credit_check_moves_nothing() {
    let server = start().await;
    let ga = server.token(GLOBAL_ADMIN).await;
    let order = client(&server, &ga)
        .resolve_credit_check(pb::ResolveCreditCheckRequest {
            order_id: LITWARE_ORDER.into(),
            decision: pb::CreditDecision::Reject as i32,
            note: "no".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state, pb::OrderState::Rejected as i32);
    assert_eq!(order.outcome, pb::OrderOutcome::Rejected as i32);
    let subs = subscriptions(&server, &ga, LITWARE).await;
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].subscription_id, LITWARE_STANDARD);
    assert_eq!(subs[0].status, pb::SubscriptionStatus::Active as i32);
    // With the check gone, the customer can upgrade again.
    let fresh = client(&server, &ga)
        .submit_upgrade(submit(LITWARE, LITWARE_STANDARD, "o365-e5", 200))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        fresh.state,
        pb::OrderState::PendingCreditCheck as i32,
        "38 x 200 = 7600 a month"
    );
}

#[tokio::test]
async fn quantities_types_and_keys_are_checked() {
    let server = start().await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = client(&server, &agent);

    // Below the source's quantity: the state forbids it, with the range.
    let err = c
        .submit_upgrade(submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 9))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let info = err.get_details_error_info().unwrap();
    assert_eq!(info.reason, "QUANTITY_BELOW_MINIMUM");
    assert_eq!(
        (
            info.metadata["min_quantity"].as_str(),
            info.metadata["max_quantity"].as_str()
        ),
        ("10", "10000")
    );
    // Above the target's maximum: a bad argument naming the field.
    let err = c
        .submit_upgrade(submit(
            NORTHWIND,
            NORTHWIND_BASIC,
            "m365-business-standard",
            301,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let bad = err.get_details_bad_request().unwrap();
    assert_eq!(bad.field_violations[0].field, "quantity");
    assert!(bad.field_violations[0].description.contains("300"));
    for (mut r, field) in [
        (submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 0), "quantity"),
        (
            submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10),
            "request_id",
        ),
        (
            submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10),
            "upgrade_type",
        ),
    ] {
        match field {
            "request_id" => r.request_id = "retry-1".into(),
            "upgrade_type" => r.upgrade_type = 0,
            _ => {}
        }
        let err = c.submit_upgrade(r).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}");
        assert_eq!(
            err.get_details_bad_request().unwrap().field_violations[0].field,
            field
        );
    }

    // An app may upgrade, but not move licenses: that needs a user.
    let app = server.app_token("reseller-bot", PARTNER);
    let err = client(&server, &app)
        .submit_upgrade(submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert_eq!(
        err.get_details_error_info().unwrap().metadata["user_context_required"],
        "true",
        "{err:?}"
    );
    let mut only = submit(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10);
    only.upgrade_type = pb::UpgradeType::UpgradeOnly as i32;
    let order = client(&server, &app)
        .submit_upgrade(only)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.moved_user_count, 0);
    assert!(
        order
            .migration_report
            .iter()
            .all(|m| m.issue != pb::MigrationIssue::ServicePlansReset as i32)
    );
    assert!(
        order
            .migration_report
            .iter()
            .any(|m| m.issue == pb::MigrationIssue::LicenseNotMoved as i32)
    );
    let submitter = order.submitter.as_ref().expect("a submitter");
    assert_eq!(
        (submitter.app_id.as_str(), submitter.user_id.as_str()),
        ("reseller-bot", "")
    );

    // Billing admins may view orders but not submit.
    let err = client(&server, &server.token(BILLING_ADMIN).await)
        .submit_upgrade(submit(TAILSPIN, TAILSPIN_E4, "o365-e3", 120))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn idempotency_keys_outlive_a_restart() {
    let db = common::db::fresh().await;
    let url = db.url.clone();
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
        .unwrap();
    let first = TestServer::spawn(url.clone(), None, true, Arc::new(FixedClock(now))).await;
    first.wait_serving().await;
    let request = submit(NORTHWIND, NORTHWIND_BASIC, "o365-e1", 10);
    let order = client(&first, &first.token(ADMIN_AGENT).await)
        .submit_upgrade(request.clone())
        .await
        .unwrap()
        .into_inner();
    first.stop().await;

    let second = TestServer::start_with(db, true, Arc::new(FixedClock(now))).await;
    let again = client(&second, &second.token(ADMIN_AGENT).await)
        .submit_upgrade(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, order);
}
