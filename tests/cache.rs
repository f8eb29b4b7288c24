//! The role and snapshot caches never serve what a write replaced (issue 6):
//! on the replica that wrote, at the next call; on another replica (Postgres),
//! when the write's notification arrives, long before any time-to-live; and
//! after the notification feed was cut, nothing written meanwhile is served.
//! And when that connection goes silent without closing, a replica serves
//! nothing staler than the feed's silence bound (issue 15).
//! The single-server cases run on SQLite, or on Postgres with
//! TEST_DATABASE_URL; the replica cases need Postgres and say so when skipped.

mod common;
#[path = "cache/stalling_proxy.rs"]
mod stalling_proxy;

use std::time::{Duration, Instant};

use common::server::*;
use csp_upgrades::cache::CacheOptions;
use csp_upgrades::grpc::pb;
use csp_upgrades::state::Options;
use tonic::Code;

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const SALES_ID: &str = "20000000-0000-4000-8000-000000000104";
/// Far longer than any test waits: an entry that goes away went away because
/// a write said so.
const FOREVER: Duration = Duration::from_secs(3600);
/// How long a notification may take to reach the other replica here.
const HEARD_WITHIN: Duration = Duration::from_secs(5);

fn long_lived() -> Options {
    Options {
        cache: CacheOptions {
            roles_ttl: FOREVER,
            snapshots_ttl: FOREVER,
            ..CacheOptions::default()
        },
        ..Options::default()
    }
}

fn check_request() -> pb::CheckUpgradeEligibilityRequest {
    pb::CheckUpgradeEligibilityRequest {
        customer_id: NORTHWIND.into(),
        subscription_id: NORTHWIND_BASIC.into(),
        target_offer_id: "o365-e3".into(),
        as_of: 0,
    }
}

async fn eligible(server: &TestServer, token: &str) -> bool {
    server
        .upgrades(Some(token.into()))
        .check_upgrade_eligibility(check_request())
        .await
        .unwrap()
        .into_inner()
        .targets[0]
        .eligible
}

async fn upgrade_northwind(server: &TestServer, token: &str) {
    let order = server
        .upgrades(Some(token.into()))
        .submit_upgrade(pb::SubmitUpgradeRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: "o365-e3".into(),
            quantity: 12,
            upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
            billing_cycle: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state, pb::OrderState::Completed as i32);
}

async fn can_list(server: &TestServer, token: &str) -> Result<(), Code> {
    server
        .customers(Some(token.into()))
        .list_customers(pb::ListCustomersRequest::default())
        .await
        .map(drop)
        .map_err(|s| s.code())
}

async fn revoke_sales(server: &TestServer, ga: &str) {
    server
        .roles(Some(ga.into()))
        .revoke_role(pb::RevokeRoleRequest {
            user_id: SALES_ID.into(),
            role: pb::PartnerRole::SalesAgent as i32,
        })
        .await
        .unwrap();
}

/// Polls `done` until it holds, failing after [`HEARD_WITHIN`].
async fn within<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < HEARD_WITHIN,
            "{what}: not seen within {HEARD_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The second server of a replica test, or `None` on SQLite (one serving
/// process per database file).
async fn second_replica(first: &TestServer) -> Option<TestServer> {
    if !first.url.starts_with("postgres") {
        // Past the harness' capture, so every run shows it.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED a replica test of tests/cache.rs: replicas need Postgres (set TEST_DATABASE_URL)"
        );
        return None;
    }
    Some(first.replica(long_lived()).await)
}

#[tokio::test]
async fn an_upgrade_is_seen_by_the_next_check_on_the_same_server() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    // Twice: the second answer comes from the cache.
    assert!(eligible(&server, &token).await);
    assert!(eligible(&server, &token).await);
    upgrade_northwind(&server, &token).await;
    assert!(
        !eligible(&server, &token).await,
        "the upgraded subscription is no longer eligible"
    );
}

#[tokio::test]
async fn a_revoke_on_one_replica_is_refused_on_another() {
    let a = TestServer::start().await;
    let Some(b) = second_replica(&a).await else {
        return;
    };
    let ga = a.token(GLOBAL_ADMIN).await;
    let sales = a.token(SALES_AGENT).await;
    // B has the sales agent's roles in memory, for an hour.
    assert_eq!(can_list(&b, &sales).await, Ok(()));
    assert_eq!(can_list(&b, &sales).await, Ok(()));

    revoke_sales(&a, &ga).await;
    assert_eq!(can_list(&a, &sales).await, Err(Code::PermissionDenied));
    within("the revoke on B", || async {
        can_list(&b, &sales).await == Err(Code::PermissionDenied)
    })
    .await;
}

#[tokio::test]
async fn an_upgrade_on_one_replica_is_seen_by_another() {
    let a = TestServer::start().await;
    let Some(b) = second_replica(&a).await else {
        return;
    };
    let token = a.token(ADMIN_AGENT).await;
    assert!(eligible(&b, &token).await);
    upgrade_northwind(&a, &token).await;
    within("the upgrade on B", || async { !eligible(&b, &token).await }).await;
}

/// Cut B's notification connection, then write behind its back (plain SQL,
/// so nothing of B's own drops the entry): B must not keep serving what it
/// had, whichever of the lost notification or the reconnection comes first.
#[tokio::test]
async fn writes_while_the_feed_is_cut_are_not_served() {
    let a = TestServer::start().await;
    let Some(b) = second_replica(&a).await else {
        return;
    };
    let sales = a.token(SALES_AGENT).await;
    assert_eq!(can_list(&b, &sales).await, Ok(()));

    let pool = sqlx::PgPool::connect(&a.url).await.unwrap();
    let cut = sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(cut.rows_affected() >= 1, "the listener was found");
    sqlx::query("DELETE FROM partner_user_roles WHERE user_id = $1")
        .bind(uuid::Uuid::parse_str(SALES_ID).unwrap())
        .execute(&pool)
        .await
        .unwrap();

    within("the hand-made revoke on B", || async {
        can_list(&b, &sales).await == Err(Code::PermissionDenied)
    })
    .await;
}

/// B's notification connection stalls (bytes stop both ways, nothing
/// closes) just before A revokes a role and upgrades a subscription: B may
/// answer from memory only until the feed's silence bound has passed since
/// each write; after that every answer of B's is fresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_feed_serves_nothing_staler_than_its_bound() {
    let a = TestServer::start().await;
    if second_replica(&a).await.is_none() {
        return;
    }
    let mut through_proxy = url::Url::parse(&a.url).unwrap();
    let upstream = format!(
        "{}:{}",
        through_proxy.host_str().unwrap(),
        through_proxy.port().unwrap_or(5432)
    );
    let proxy = stalling_proxy::StallingProxy::start(upstream).await;
    through_proxy.set_host(Some("127.0.0.1")).unwrap();
    through_proxy.set_port(Some(proxy.addr.port())).unwrap();
    let b = a.replica_at(through_proxy.to_string(), long_lived()).await;
    let bound = CacheOptions::default().feed_silence;

    let (ga, sales, agent) = (
        a.token(GLOBAL_ADMIN).await,
        a.token(SALES_AGENT).await,
        a.token(ADMIN_AGENT).await,
    );
    within("B listening through the proxy", || async {
        proxy.listeners() >= 1
    })
    .await;
    // B has both in memory.
    for _ in 0..2 {
        assert_eq!(can_list(&b, &sales).await, Ok(()));
        assert!(eligible(&b, &agent).await);
    }

    proxy.stall();
    revoke_sales(&a, &ga).await;
    let revoked = Instant::now();
    upgrade_northwind(&a, &agent).await;
    let upgraded = Instant::now();

    // Each probe's start is no later than its answer: a stale answer to a
    // probe that started past the bound was given past the bound.
    let (mut stale_role, mut stale_snapshot) = (None, None);
    let mut probes = 0;
    while upgraded.elapsed() < bound + Duration::from_millis(1500) {
        let started = revoked.elapsed();
        if can_list(&b, &sales).await == Ok(()) {
            stale_role = Some(started);
        }
        let started = upgraded.elapsed();
        if eligible(&b, &agent).await {
            stale_snapshot = Some(started);
        }
        probes += 1;
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "stalled feed, bound {bound:?}: {probes} probes; last stale role answer \
         {stale_role:?} after the revoke, last stale snapshot {stale_snapshot:?} after the upgrade"
    );
    assert!(
        stale_role.is_none_or(|at| at <= bound),
        "a revoked role honoured {stale_role:?} after the revoke"
    );
    assert!(
        stale_snapshot.is_none_or(|at| at <= bound),
        "a stale snapshot served {stale_snapshot:?} after the upgrade"
    );

    // Back: B hears again (a new connection replaces the deaf one) and
    // answers right.
    proxy.resume();
    assert_eq!(can_list(&b, &sales).await, Err(Code::PermissionDenied));
    assert!(!eligible(&b, &agent).await);
}

/// A watch on one replica follows an approval on another: the change bus
/// hears it through LISTEN (there is no polling).
#[tokio::test]
async fn a_watch_on_one_replica_follows_an_approval_on_another() {
    const TAILSPIN: &str = "30000000-0000-4000-8000-000000000008";
    const TAILSPIN_E4: &str = "40000000-0000-4000-8000-000000000801";
    let a = TestServer::start().await;
    let Some(b) = second_replica(&a).await else {
        return;
    };
    let agent = a.token(ADMIN_AGENT).await;
    let order = a
        .upgrades(Some(agent.clone()))
        .submit_upgrade(pb::SubmitUpgradeRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            customer_id: TAILSPIN.into(),
            subscription_id: TAILSPIN_E4.into(),
            target_offer_id: "o365-e5".into(),
            quantity: 150,
            upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
            billing_cycle: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state, pb::OrderState::PendingCreditCheck as i32);
    let mut watch = b
        .upgrades(Some(agent))
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

    a.upgrades(Some(a.token(BILLING_ADMIN).await))
        .resolve_credit_check(pb::ResolveCreditCheckRequest {
            order_id: order.order_id,
            decision: pb::CreditDecision::Approve as i32,
            note: "ok".into(),
        })
        .await
        .unwrap();
    let approved = Instant::now();
    let mut seen = Vec::new();
    tokio::time::timeout(HEARD_WITHIN, async {
        while let Some(update) = watch.message().await.unwrap() {
            seen.push(update.event.unwrap().state);
        }
    })
    .await
    .expect("the watch on B ends within the bound");
    assert_eq!(
        seen,
        [
            pb::OrderState::InProgress as i32,
            pb::OrderState::Completed as i32
        ]
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "the watch on B followed the approval on A in {:?}",
        approved.elapsed()
    );
}
