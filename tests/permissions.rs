//! SPEC §3's permission matrix, walked through the real server: every role
//! (one demo user each), a user without roles and an app token, against
//! every RPC of every `csp.v1` service as the descriptor set lists them. An
//! RPC missing from the table below fails the test, so a new RPC must be
//! given its permission here. Runs on SQLite, or on Postgres with
//! TEST_DATABASE_URL.

mod common;

use common::dynamic::{self, Fill};
use common::server::*;
use tonic::Code;
use tonic_types::StatusExt;

/// What each RPC needs, by full name. `None`: any authenticated caller.
const NEEDS: &[(&str, Option<&str>)] = &[
    ("csp.v1.CustomerService/ListCustomers", Some(VIEW)),
    ("csp.v1.CustomerService/GetCustomer", Some(VIEW)),
    ("csp.v1.CustomerService/ListSubscriptions", Some(VIEW)),
    ("csp.v1.OfferService/ListOffers", Some(VIEW)),
    ("csp.v1.OfferService/GetOffer", Some(VIEW)),
    ("csp.v1.PartnerRoleService/GetCaller", None),
    (
        "csp.v1.PartnerRoleService/ListPartnerUsers",
        Some(MANAGE_ROLES),
    ),
    ("csp.v1.PartnerRoleService/GrantRole", Some(MANAGE_ROLES)),
    ("csp.v1.PartnerRoleService/RevokeRole", Some(MANAGE_ROLES)),
    (
        "csp.v1.PartnerRoleService/ListAuditRecords",
        Some(VIEW_AUDIT_LOG),
    ),
    ("csp.v1.UpgradeService/CheckUpgradeEligibility", Some(VIEW)),
    ("csp.v1.UpgradeService/PreviewUpgrade", Some(VIEW)),
    ("csp.v1.UpgradeService/SubmitUpgrade", Some(SUBMIT)),
    ("csp.v1.UpgradeService/GetUpgradeOrder", Some(VIEW_ORDERS)),
    ("csp.v1.UpgradeService/ListUpgradeOrders", Some(VIEW_ORDERS)),
    ("csp.v1.UpgradeService/WatchUpgradeOrder", Some(VIEW_ORDERS)),
    ("csp.v1.UpgradeService/ResolveCreditCheck", Some(RESOLVE)),
    ("csp.v1.DataService/SyncPartnerData", Some(SYNC)),
    ("csp.v1.UpgradeService/StreamEligibility", Some(VIEW)),
    ("csp.v1.UpgradeService/SubmitUpgrades", Some(SUBMIT)),
    // Who may submit may cancel a scheduled order (Litware's order is not
    // one: those allowed get FAILED_PRECONDITION, nothing changes).
    ("csp.v1.UpgradeService/CancelUpgradeOrder", Some(SUBMIT)),
];

const VIEW: &str = "PERMISSION_VIEW_CATALOG_AND_CUSTOMERS";
const SUBMIT: &str = "PERMISSION_SUBMIT_UPGRADE_ORDERS";
const VIEW_ORDERS: &str = "PERMISSION_VIEW_UPGRADE_ORDERS";
const RESOLVE: &str = "PERMISSION_RESOLVE_CREDIT_CHECKS";
const SYNC: &str = "PERMISSION_SYNC_PARTNER_DATA";
const MANAGE_ROLES: &str = "PERMISSION_MANAGE_ROLES";
const MANAGE_GLOBAL_ADMINS: &str = "PERMISSION_MANAGE_GLOBAL_ADMINS";
const VIEW_AUDIT_LOG: &str = "PERMISSION_VIEW_AUDIT_LOG";

/// The callers, in the column order of `MATRIX`.
const WHO: [&str; 8] = [
    GLOBAL_ADMIN,
    USER_MANAGEMENT_ADMIN,
    ADMIN_AGENT,
    SALES_AGENT,
    HELPDESK_AGENT,
    BILLING_ADMIN,
    NO_ROLE,
    "app",
];

/// SPEC §3 (plus the app column of §3's service-to-service sentence, and
/// the two GLOBAL_ADMIN-only permissions): who holds each permission.
///                           GA    UMA    AA     SA     HA     BA     none   app
const MATRIX: &[(&str, [bool; 8])] = &[
    (VIEW, [true, true, true, true, true, false, false, true]),
    (SUBMIT, [true, true, true, true, true, false, false, true]),
    (
        VIEW_ORDERS,
        [true, true, true, true, true, true, false, true],
    ),
    (
        RESOLVE,
        [true, false, false, false, false, true, false, false],
    ),
    (
        MANAGE_ROLES,
        [true, true, false, false, false, false, false, false],
    ),
    (
        MANAGE_GLOBAL_ADMINS,
        [true, false, false, false, false, false, false, false],
    ),
    (
        VIEW_AUDIT_LOG,
        [true, false, false, false, false, false, false, false],
    ),
    // SPEC §11; an app only when the server grants it (`--sync-apps`),
    // which this server does not.
    (
        SYNC,
        [true, false, false, false, false, false, false, false],
    ),
];

const CONTOSO: &str = "10000000-0000-4000-8000-000000000001";
const BILLING_USER_ID: &str = "20000000-0000-4000-8000-000000000106";
const GA_USER_ID: &str = "20000000-0000-4000-8000-000000000101";

/// Contoso's own ids: a request that passes validation and names existing data.
fn fill(role: &'static str, user_id: &str) -> Fill {
    Fill {
        customer_id: "30000000-0000-4000-8000-000000000001".into(),
        subscription_id: "40000000-0000-4000-8000-000000000101".into(),
        user_id: user_id.into(),
        // Litware's order, waiting for a credit check.
        order_id: "60000000-0000-4000-8000-000000000003".into(),
        target_offer_id: "o365-e3".into(),
        role,
    }
}

fn holds(permission: &str, who: usize) -> bool {
    MATRIX
        .iter()
        .find(|(p, _)| *p == permission)
        .unwrap_or_else(|| panic!("{permission} is not in the matrix"))
        .1[who]
}

async fn tokens(server: &TestServer) -> Vec<String> {
    let mut out = Vec::new();
    for who in WHO {
        out.push(if who == "app" {
            server.app_token("reseller-bot", CONTOSO)
        } else {
            server.token(who).await
        });
    }
    out
}

/// Checks one answer against the expectation; returns a line for the
/// failure report, or `None` when it is as expected.
fn judge(rpc: &str, who: &str, expected: Option<&str>, answer: &dynamic::Answer) -> Option<String> {
    match (expected, &answer.status) {
        (None, Ok(())) => None,
        (None, Err(s)) => match s.code() {
            Code::PermissionDenied | Code::Unauthenticated | Code::Unimplemented => Some(format!(
                "{rpc} as {who}: expected allowed, got {:?} {}",
                s.code(),
                s.message()
            )),
            _ => None,
        },
        (Some(permission), Ok(())) => Some(format!(
            "{rpc} as {who}: expected PERMISSION_DENIED ({permission}), got OK"
        )),
        (Some(permission), Err(s)) => {
            let named = s
                .get_details_error_info()
                .and_then(|i| i.metadata.get("permission").cloned());
            if s.code() == Code::PermissionDenied && named.as_deref() == Some(permission) {
                None
            } else {
                Some(format!(
                    "{rpc} as {who}: expected PERMISSION_DENIED naming {permission}, got {:?} {} ({named:?})",
                    s.code(),
                    s.message()
                ))
            }
        }
    }
}

#[tokio::test]
async fn every_role_against_every_rpc() {
    let server = TestServer::start().await;
    let tokens = tokens(&server).await;
    let mut failures = Vec::new();
    let mut calls = 0;
    for method in dynamic::methods() {
        let rpc = dynamic::full_name(&method);
        let needs = NEEDS
            .iter()
            .find(|(name, _)| *name == rpc)
            .unwrap_or_else(|| {
                panic!("{rpc} has no entry in NEEDS: give it its permission of SPEC §3")
            })
            .1;
        // Role changes that change nothing: granting a role already held,
        // revoking one not held (the matrix must not move under the walk).
        let (role, user) = match method.name() {
            "RevokeRole" => ("PARTNER_ROLE_HELPDESK_AGENT", BILLING_USER_ID),
            _ => ("PARTNER_ROLE_BILLING_ADMIN", BILLING_USER_ID),
        };
        for (i, who) in WHO.iter().enumerate() {
            let request = dynamic::request(&method, &fill(role, user));
            let answer = dynamic::call(&server.channel, Some(&tokens[i]), &method, request).await;
            calls += 1;
            let expected = needs.filter(|p| !holds(p, i));
            failures.extend(judge(&rpc, who, expected, &answer));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(calls >= 10 * WHO.len());
}

/// A user management admin manages every role except GLOBAL_ADMIN; a global
/// admin every role; nobody else any.
#[tokio::test]
async fn only_a_global_admin_grants_or_revokes_global_admin() {
    let server = TestServer::start().await;
    let tokens = tokens(&server).await;
    let mut failures = Vec::new();
    for method in dynamic::methods() {
        let (user, rpc) = match method.name() {
            // Already held by the global admin: a no-op when allowed.
            "GrantRole" => (GA_USER_ID, dynamic::full_name(&method)),
            // Not held by the billing admin: a no-op when allowed.
            "RevokeRole" => (BILLING_USER_ID, dynamic::full_name(&method)),
            _ => continue,
        };
        for (i, who) in WHO.iter().enumerate() {
            let request = dynamic::request(&method, &fill("PARTNER_ROLE_GLOBAL_ADMIN", user));
            let answer = dynamic::call(&server.channel, Some(&tokens[i]), &method, request).await;
            let expected = if !holds(MANAGE_ROLES, i) {
                Some(MANAGE_ROLES)
            } else if !holds(MANAGE_GLOBAL_ADMINS, i) {
                Some(MANAGE_GLOBAL_ADMINS)
            } else {
                None
            };
            if expected.is_none() {
                assert_eq!(answer.code(), Code::Ok, "{rpc} GLOBAL_ADMIN as {who}");
            }
            failures.extend(judge(&rpc, who, expected, &answer));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
