//! SPEC §9 through the real server on the demo data (SQLite, or Postgres
//! with TEST_DATABASE_URL): upgrades scheduled for the renewal wait, show
//! with their subscription, run once when the (injected) clock reaches the
//! period end, fail cleanly when the customer changed, are cancelled by the
//! caller or by an immediate upgrade, and their errors carry their code and
//! details. The tests move the clock; none waits for a period to end.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use common::server::*;
use csp_upgrades::clock::ManualClock;
use csp_upgrades::grpc::pb;
use csp_upgrades::state::Options;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";

/// Northwind Basic's period end in the demo data.
fn renewal() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 11, 12, 0, 0).unwrap(),
    ))
}

/// A server whose runner (when `runner` is set) checks every 20 ms.
async fn start(clock: &Arc<ManualClock>, runner: bool) -> TestServer {
    let options = Options {
        scheduled_runner_interval: if runner {
            Duration::from_millis(20)
        } else {
            Duration::ZERO
        },
        ..Options::default()
    };
    TestServer::start_with_options(common::db::fresh().await, clock.clone(), options).await
}

fn scheduled(customer: &str, sub: &str, target: &str, quantity: i64) -> pb::SubmitUpgradeRequest {
    pb::SubmitUpgradeRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        customer_id: customer.into(),
        subscription_id: sub.into(),
        target_offer_id: target.into(),
        quantity,
        upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
        schedule: pb::UpgradeSchedule::AtRenewal as i32,
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
        partial: r.partial,
        user_ids: r.user_ids.clone(),
        target_subscription_id: r.target_subscription_id.clone(),
        schedule: r.schedule,
    }
}

fn timestamp(t: DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

async fn source(server: &TestServer, token: &str) -> pb::Subscription {
    server
        .customers(Some(token.into()))
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: NORTHWIND.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subscriptions
        .into_iter()
        .find(|s| s.subscription_id == NORTHWIND_BASIC)
        .unwrap()
}

async fn order(server: &TestServer, token: &str, id: &str) -> pb::UpgradeOrder {
    server
        .upgrades(Some(token.into()))
        .get_upgrade_order(pb::GetUpgradeOrderRequest {
            order_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

fn states(o: &pb::UpgradeOrder) -> Vec<pb::OrderState> {
    o.events.iter().map(|e| e.state()).collect()
}

/// Runs what is due on the server's own app (the runner of a replica whose
/// timer is off), as `csp-upgrades run-due` does.
async fn run_due(server: &TestServer) -> usize {
    let app = server.state.app().unwrap();
    app.run_all_due("test-runner", 100).await.unwrap().ran
}

#[tokio::test]
async fn a_scheduled_upgrade_waits_shows_in_lists_and_runs_once_at_the_renewal() {
    let clock = clock();
    let server = start(&clock, true).await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));

    // Eligibility as of the renewal says when it is judged.
    let answer = c
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: "o365-e3".into(),
            as_of: pb::UpgradeSchedule::AtRenewal as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.as_of_time, timestamp(renewal()));
    assert!(answer.targets[0].eligible);

    // The preview says exactly what the submission does: no credit.
    let request = scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10);
    let preview = c
        .preview_upgrade(preview_of(&request))
        .await
        .unwrap()
        .into_inner();
    assert!(preview.would_succeed, "{}", preview.refusal_message);
    assert_eq!(preview.scheduled_time, timestamp(renewal()));
    let order = c
        .submit_upgrade(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state(), pb::OrderState::Scheduled);
    assert_eq!(order.outcome(), pb::OrderOutcome::Scheduled);
    assert_eq!(order.schedule(), pb::UpgradeSchedule::AtRenewal);
    assert_eq!(order.scheduled_time, timestamp(renewal()));
    assert_eq!(order.prorated_credit, preview.prorated_credit);
    assert_eq!(order.prorated_credit.as_ref().unwrap().amount, "0");
    assert_eq!(order.monthly_value, preview.monthly_value);
    assert_eq!(order.migration_report, preview.migration_report);
    assert_eq!(order.moved_user_count, preview.moved_user_count);
    assert!(order.target_subscription_id.is_empty());

    // Idempotent: the same request_id answers the same order.
    let again = c
        .submit_upgrade(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.order_id, order.order_id);
    assert_eq!(again.events.len(), 1);

    // Shown with its subscription, in the order list, and it blocks nothing.
    let src = source(&server, &agent).await;
    let shown = src.scheduled_upgrade.expect("scheduled upgrade shown");
    assert_eq!(shown.order_id, order.order_id);
    assert_eq!(shown.target_offer_id, "o365-e3");
    assert_eq!(shown.scheduled_time, timestamp(renewal()));
    assert!(src.upgrade_available, "a scheduled order blocks nothing");
    let listed = c
        .list_upgrade_orders(pb::ListUpgradeOrdersRequest {
            state: pb::OrderState::Scheduled as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert_eq!(listed.len(), 1);

    // A watch follows it to its end: the runner in the server runs it once
    // the clock reaches the renewal.
    let mut watch = c
        .watch_upgrade_order(pb::WatchUpgradeOrderRequest {
            order_id: order.order_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.next().await.unwrap().unwrap();
    assert_eq!(first.event.unwrap().state(), pb::OrderState::Scheduled);
    clock.set(renewal() + TimeDelta::seconds(1));
    let mut seen = Vec::new();
    while let Some(message) = tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("the watch ends")
    {
        seen.push(message.unwrap().event.unwrap().state());
    }
    assert_eq!(
        seen,
        [pb::OrderState::InProgress, pb::OrderState::Completed]
    );
    let done = order_of(&server, &agent, &order.order_id).await;
    // The accounts that need work were known when it was scheduled.
    assert_eq!(done.migration_report, order.migration_report);
    assert_eq!(
        done.outcome(),
        pb::OrderOutcome::CompletedWithAccountsNeedingWork
    );
    assert_eq!(
        states(&done),
        [
            pb::OrderState::Scheduled,
            pb::OrderState::InProgress,
            pb::OrderState::Completed
        ]
    );
    assert_eq!(done.prorated_credit.as_ref().unwrap().amount, "0");
    let src = source(&server, &agent).await;
    assert_eq!(src.status(), pb::SubscriptionStatus::Deleted);
    assert!(src.scheduled_upgrade.is_none());
    // Run again (another runner): nothing left to run.
    assert_eq!(run_due(&server).await, 0);
    assert_eq!(
        states(&order_of(&server, &agent, &order.order_id).await).len(),
        3
    );
}

async fn order_of(server: &TestServer, token: &str, id: &str) -> pb::UpgradeOrder {
    order(server, token, id).await
}

#[tokio::test]
async fn an_immediate_upgrade_cancels_the_scheduled_one() {
    let clock = clock();
    let server = start(&clock, false).await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));
    let waiting = c
        .submit_upgrade(scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e5", 10))
        .await
        .unwrap()
        .into_inner();
    let mut now = scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10);
    now.schedule = pb::UpgradeSchedule::Now as i32;
    let done = c.submit_upgrade(now).await.unwrap().into_inner();
    assert_eq!(done.state(), pb::OrderState::Completed);

    let cancelled = order_of(&server, &agent, &waiting.order_id).await;
    assert_eq!(cancelled.state(), pb::OrderState::Cancelled);
    assert_eq!(cancelled.outcome(), pb::OrderOutcome::Cancelled);
    let last = cancelled.events.last().unwrap();
    assert!(last.note.contains(&done.order_id), "{}", last.note);
    clock.set(renewal() + TimeDelta::days(1));
    assert_eq!(run_due(&server).await, 0, "nothing runs at the renewal");
}

#[tokio::test]
async fn a_scheduled_upgrade_fails_cleanly_when_the_customer_changed() {
    let clock = clock();
    let server = start(&clock, false).await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));
    let waiting = c
        .submit_upgrade(scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10))
        .await
        .unwrap()
        .into_inner();
    // Meanwhile the customer bought more seats of the source: 10 no longer
    // covers them.
    grow_seats(&server.url, NORTHWIND_BASIC, 25).await;

    clock.set(renewal());
    assert_eq!(run_due(&server).await, 1);
    let failed = order_of(&server, &agent, &waiting.order_id).await;
    assert_eq!(failed.state(), pb::OrderState::Failed);
    assert_eq!(
        states(&failed),
        [pb::OrderState::Scheduled, pb::OrderState::Failed]
    );
    let note = &failed.events.last().unwrap().note;
    assert!(note.contains("QUANTITY_BELOW_MINIMUM"), "{note}");
    // Nothing moved.
    let src = source(&server, &agent).await;
    assert_eq!(src.status(), pb::SubscriptionStatus::Active);
    assert_eq!(src.quantity, 25);
    assert!(failed.target_subscription_id.is_empty());
}

/// Changes the source's seats behind the service's back, as a sync would.
async fn grow_seats(url: &str, sub: &str, quantity: i64) {
    use sqlx::Connection;
    let id = uuid::Uuid::parse_str(sub).unwrap();
    let sql = "UPDATE subscriptions SET quantity = $1 WHERE id = $2";
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(quantity)
            .bind(id)
            .execute(&mut conn)
            .await
            .unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(quantity)
            .bind(id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_caller_cancels_a_scheduled_upgrade_with_permission_and_isolation() {
    let clock = clock();
    let server = start(&clock, false).await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));
    let waiting = c
        .submit_upgrade(scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10))
        .await
        .unwrap()
        .into_inner();
    let cancel = |note: &str| pb::CancelUpgradeOrderRequest {
        order_id: waiting.order_id.clone(),
        note: note.into(),
    };

    // Another partner's token: the order is not there for it.
    let other = server.token(B_GLOBAL_ADMIN).await;
    let err = server
        .upgrades(Some(other))
        .cancel_upgrade_order(cancel(""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    // Billing admins may not submit, so they may not cancel either.
    let billing = server.token(BILLING_ADMIN).await;
    let err = server
        .upgrades(Some(billing))
        .cancel_upgrade_order(cancel(""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let err = c
        .cancel_upgrade_order(pb::CancelUpgradeOrderRequest {
            order_id: "not-a-uuid".into(),
            note: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        order_of(&server, &agent, &waiting.order_id).await.state(),
        pb::OrderState::Scheduled,
        "still waiting"
    );

    let cancelled = c
        .cancel_upgrade_order(cancel("the customer waits another year"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.state(), pb::OrderState::Cancelled);
    assert!(
        cancelled
            .events
            .last()
            .unwrap()
            .note
            .contains("another year"),
        "{:?}",
        cancelled.events
    );
    assert!(source(&server, &agent).await.scheduled_upgrade.is_none());
    let ga = server.token(GLOBAL_ADMIN).await;
    let audit = server
        .roles(Some(ga))
        .list_audit_records(pb::ListAuditRecordsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .records;
    assert!(
        audit
            .iter()
            .any(|r| r.action() == pb::AuditAction::CancelUpgradeOrder
                && r.target_order_id == waiting.order_id),
        "{audit:?}"
    );

    // Once cancelled (or run), it cannot be cancelled again.
    let err = c.cancel_upgrade_order(cancel("")).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let info = err.get_details_error_info().unwrap();
    assert_eq!(info.reason, "ORDER_NOT_CANCELLABLE");
    assert_eq!(info.metadata["state"], "CANCELLED");
    assert!(err.get_details_precondition_failure().is_some());
    assert!(err.get_details_localized_message().is_some());
    clock.set(renewal() + TimeDelta::days(1));
    assert_eq!(run_due(&server).await, 0);
}

#[tokio::test]
async fn scheduling_errors_carry_their_reason_and_details() {
    let clock = clock();
    let server = start(&clock, false).await;
    let agent = server.token(ADMIN_AGENT).await;
    let mut c = server.upgrades(Some(agent.clone()));
    let first = c
        .submit_upgrade(scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10))
        .await
        .unwrap()
        .into_inner();

    // One scheduled order per source.
    let second = scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e5", 10);
    let err = c.submit_upgrade(second.clone()).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let info = err.get_details_error_info().unwrap();
    assert_eq!(info.reason, "UPGRADE_ALREADY_SCHEDULED");
    assert_eq!(info.metadata["order_id"], first.order_id);
    let violations = err.get_details_precondition_failure().unwrap().violations;
    assert_eq!(violations[0].r#type, "UPGRADE_ALREADY_SCHEDULED");
    let preview = c
        .preview_upgrade(preview_of(&second))
        .await
        .unwrap()
        .into_inner();
    assert!(!preview.would_succeed);
    assert_eq!(preview.refusal(), pb::ErrorReason::UpgradeAlreadyScheduled);

    // In Dutch too.
    let mut dutch = tonic::Request::new(second.clone());
    dutch
        .metadata_mut()
        .insert("accept-language", "nl".parse().unwrap());
    let err = c.submit_upgrade(dutch).await.unwrap_err();
    let message = err.get_details_localized_message().unwrap();
    assert_eq!(message.locale, "nl");
    assert!(
        message.message.contains("verlenging"),
        "{}",
        message.message
    );

    // Past the renewal there is nothing to wait for.
    c.cancel_upgrade_order(pb::CancelUpgradeOrderRequest {
        order_id: first.order_id.clone(),
        note: String::new(),
    })
    .await
    .unwrap();
    clock.set(renewal());
    let err = c
        .submit_upgrade(scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let info = err.get_details_error_info().unwrap();
    assert_eq!(info.reason, "RENEWAL_NOT_AHEAD");
    assert_eq!(info.metadata["period_end_time"], "2027-03-01T00:00:00Z");

    // A schedule that is no value of the enum is bad input.
    let mut odd = scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10);
    odd.schedule = 42;
    let err = c.submit_upgrade(odd).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.get_details_bad_request().is_some());
}

/// `csp-upgrades run-due` (the CronJob's command) runs what is due by the
/// wall clock and leaves the rest: the order is made due by moving its due
/// time into the past in the database, as the runner benchmark does.
#[tokio::test]
async fn the_run_due_command_runs_what_is_due() {
    let clock = clock();
    let server = start(&clock, false).await;
    let agent = server.token(ADMIN_AGENT).await;
    let waiting = server
        .upgrades(Some(agent.clone()))
        .submit_upgrade(scheduled(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10))
        .await
        .unwrap()
        .into_inner();
    let dir = tempfile::tempdir().unwrap();
    let args = csp_upgrades::config::RunDueArgs {
        data: csp_upgrades::config::DataArgs {
            database_url: Some(server.url.clone()),
            data_dir: dir.path().to_owned(),
        },
        catalog: csp_upgrades::config::CatalogArgs { catalog_file: None },
        credit_check_thresholds: csp_upgrades::config::default_credit_check_thresholds(),
    };
    // Not due yet (the renewal is in 2027): nothing runs.
    csp_upgrades::commands::run_due(&args).await.unwrap();
    let still = order_of(&server, &agent, &waiting.order_id).await;
    assert_eq!(still.state(), pb::OrderState::Scheduled);

    make_due(&server.url, &waiting.order_id).await;
    csp_upgrades::commands::run_due(&args).await.unwrap();
    let done = order_of(&server, &agent, &waiting.order_id).await;
    assert_eq!(done.state(), pb::OrderState::Completed);
    assert_eq!(states(&done).len(), 3);
}

/// Moves an order's due time an hour into the wall clock's past.
async fn make_due(url: &str, order: &str) {
    use sqlx::Connection;
    let id = uuid::Uuid::parse_str(order).unwrap();
    let due = DateTime::from_timestamp(Utc::now().timestamp() - 3600, 0).unwrap();
    let sql = "UPDATE upgrade_orders SET scheduled_for = $1 WHERE id = $2";
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(due)
            .bind(id)
            .execute(&mut conn)
            .await
            .unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(due)
            .bind(id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
}
