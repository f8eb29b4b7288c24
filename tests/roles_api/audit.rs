//! The audit log: every role change and every refused attempt, listed by
//! global admins only, newest first, by time range and in pages.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use csp_upgrades::clock::Clock;
use csp_upgrades::grpc::pb;
use pb::PartnerRole as R;
use prost_types::Timestamp;
use tonic::Code;

use super::*;
use crate::common::db;

/// A clock the test moves by hand.
struct HandClock(Mutex<DateTime<Utc>>);

impl HandClock {
    fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

impl Clock for HandClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, hour, 0, 0).unwrap()
}

fn ts(t: DateTime<Utc>) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

async fn list(
    server: &TestServer,
    token: &str,
    page_size: u32,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
) -> Result<Vec<pb::AuditRecord>, tonic::Status> {
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = server
            .roles(Some(token.into()))
            .list_audit_records(pb::ListAuditRecordsRequest {
                page_size,
                page_token,
                start_time: start,
                end_time: end,
            })
            .await?
            .into_inner();
        assert!(page.records.len() <= page_size as usize);
        out.extend(page.records);
        if page.next_page_token.is_empty() {
            return Ok(out);
        }
        page_token = page.next_page_token;
    }
}

/// (hour, outcome, reason, actor upn or app id, target, role, missing permission)
type Expected = (
    u32,
    pb::AuditOutcome,
    &'static str,
    &'static str,
    &'static str,
    R,
    Option<&'static str>,
);

#[tokio::test]
async fn every_attempt_is_audited_and_listed_newest_first_by_time_range() {
    let clock = Arc::new(HandClock(Mutex::new(at(9))));
    let server = TestServer::start_with(db::fresh().await, true, clock.clone()).await;
    let ga = server.token(GLOBAL_ADMIN).await;
    let uma = server.token(USER_MANAGEMENT_ADMIN).await;
    let sales = server.token(SALES_AGENT).await;
    let app = server.app_token("reseller-bot", CONTOSO);
    use pb::AuditOutcome::*;

    clock.set(at(10));
    grant(&server, &ga, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap();
    clock.set(at(11));
    grant(&server, &ga, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap();
    clock.set(at(12));
    grant(&server, &uma, NO_ROLE_ID, R::GlobalAdmin)
        .await
        .unwrap_err();
    clock.set(at(13));
    revoke(&server, &ga, GA_ID, R::GlobalAdmin)
        .await
        .unwrap_err();
    clock.set(at(14));
    grant(&server, &ga, FABRIKAM_GA_ID, R::SalesAgent)
        .await
        .unwrap_err();
    clock.set(at(15));
    grant(&server, &app, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap_err();
    clock.set(at(16));
    revoke(&server, &sales, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap_err();
    clock.set(at(17));
    revoke(&server, &uma, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap();
    // Malformed requests are not attempts on anyone: not audited.
    grant(&server, &ga, "nobody", R::SalesAgent)
        .await
        .unwrap_err();

    let expected: [Expected; 8] = [
        (
            17,
            Succeeded,
            "ERROR_REASON_UNSPECIFIED",
            USER_MANAGEMENT_ADMIN,
            NO_ROLE_ID,
            R::SalesAgent,
            None,
        ),
        (
            16,
            Refused,
            "PERMISSION_MISSING",
            SALES_AGENT,
            NO_ROLE_ID,
            R::SalesAgent,
            Some("MANAGE_ROLES"),
        ),
        (
            15,
            Refused,
            "PERMISSION_MISSING",
            "reseller-bot",
            NO_ROLE_ID,
            R::SalesAgent,
            Some("MANAGE_ROLES"),
        ),
        (
            14,
            Refused,
            "RESOURCE_NOT_FOUND",
            GLOBAL_ADMIN,
            FABRIKAM_GA_ID,
            R::SalesAgent,
            None,
        ),
        (
            13,
            Refused,
            "LAST_GLOBAL_ADMIN",
            GLOBAL_ADMIN,
            GA_ID,
            R::GlobalAdmin,
            None,
        ),
        (
            12,
            Refused,
            "PERMISSION_MISSING",
            USER_MANAGEMENT_ADMIN,
            NO_ROLE_ID,
            R::GlobalAdmin,
            Some("MANAGE_GLOBAL_ADMINS"),
        ),
        (
            11,
            NoChange,
            "ERROR_REASON_UNSPECIFIED",
            GLOBAL_ADMIN,
            NO_ROLE_ID,
            R::SalesAgent,
            None,
        ),
        (
            10,
            Succeeded,
            "ERROR_REASON_UNSPECIFIED",
            GLOBAL_ADMIN,
            NO_ROLE_ID,
            R::SalesAgent,
            None,
        ),
    ];
    let all = list(&server, &ga, 1000, None, None).await.unwrap();
    assert_eq!(all.len(), expected.len(), "{all:#?}");
    for (record, (hour, outcome, reason, actor, target, role, missing)) in all.iter().zip(expected)
    {
        let what = format!("record at {hour}h: {record:?}");
        assert_eq!(record.create_time, ts(at(hour)), "{what}");
        assert_eq!(record.outcome, outcome as i32, "{what}");
        assert_eq!(record.reason().as_str_name(), reason, "{what}");
        assert_eq!(record.target_user_id, target, "{what}");
        assert_eq!(record.role, role as i32, "{what}");
        assert_eq!(
            record.details.get("missing_permission").map(String::as_str),
            missing,
            "{what}"
        );
        let action = if hour == 13 || hour == 16 || hour == 17 {
            pb::AuditAction::RevokeRole
        } else {
            pb::AuditAction::GrantRole
        };
        assert_eq!(record.action, action as i32, "{what}");
        let who = record.actor.as_ref().unwrap();
        if actor == "reseller-bot" {
            assert_eq!(
                (who.app_id.as_str(), who.user_id.as_str()),
                (actor, ""),
                "{what}"
            );
        } else {
            assert_eq!(who.user_principal_name, actor, "{what}");
            assert!(uuid::Uuid::parse_str(&who.user_id).is_ok(), "{what}");
        }
        assert!(uuid::Uuid::parse_str(&record.audit_record_id).is_ok());
    }
    assert_eq!(
        all[0].details["roles_after"], "",
        "nothing left after the revoke"
    );
    assert_eq!(all[7].details["roles_after"], "SALES_AGENT");

    // start inclusive, end exclusive
    let window = list(&server, &ga, 1000, ts(at(11)), ts(at(14)))
        .await
        .unwrap();
    let hours: Vec<_> = window
        .iter()
        .map(|r| r.create_time.unwrap().seconds)
        .collect();
    assert_eq!(hours, [at(13), at(12), at(11)].map(|t| t.timestamp()));
    assert_eq!(
        list(&server, &ga, 1000, ts(at(16)), None)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        list(&server, &ga, 1000, None, ts(at(11)))
            .await
            .unwrap()
            .len(),
        1
    );

    // Pages, including several records of one instant (ordered by id).
    clock.set(at(18));
    for _ in 0..3 {
        grant(&server, &ga, SALES_ID, R::SalesAgent).await.unwrap();
    }
    let all = list(&server, &ga, 1000, None, None).await.unwrap();
    assert_eq!(all.len(), 11);
    for size in [1, 2, 3] {
        assert_eq!(
            list(&server, &ga, size, None, None).await.unwrap(),
            all,
            "pages of {size}"
        );
    }
    let ids: std::collections::BTreeSet<_> = all.iter().map(|r| &r.audit_record_id).collect();
    assert_eq!(ids.len(), 11);

    // Only global admins read it; another partner's admin sees none of it.
    for token in [&uma, &sales, &app] {
        let denied = list(&server, token, 10, None, None).await;
        assert_denied(denied, "VIEW_AUDIT_LOG", "audit log");
    }
    let b = server.token(B_GLOBAL_ADMIN).await;
    assert!(list(&server, &b, 10, None, None).await.unwrap().is_empty());

    // A window that ends before it starts is the caller's error.
    let bad = list(&server, &ga, 10, ts(at(12)), ts(at(11)))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}
