//! Partner role management through the real server (issue 4): grant and
//! revoke with their rules, the last global admin, concurrent revokes, the
//! audit log, app callers, and roles taking effect on the next call. Runs on
//! SQLite, or on Postgres with TEST_DATABASE_URL.

#[path = "roles_api/audit.rs"]
mod audit;
mod common;
#[path = "roles_api/concurrency.rs"]
mod concurrency;

use common::server::*;
use csp_upgrades::grpc::pb;
use pb::PartnerRole::{self as R};
use tonic::{Code, Status};
use tonic_types::StatusExt;

pub const CONTOSO: &str = "10000000-0000-4000-8000-000000000001";
pub const GA_ID: &str = "20000000-0000-4000-8000-000000000101";
pub const UMA_ID: &str = "20000000-0000-4000-8000-000000000102";
pub const SALES_ID: &str = "20000000-0000-4000-8000-000000000104";
pub const NO_ROLE_ID: &str = "20000000-0000-4000-8000-000000000107";
pub const FABRIKAM_GA_ID: &str = "20000000-0000-4000-8000-000000000201";

pub async fn grant(
    server: &TestServer,
    token: &str,
    user: &str,
    role: R,
) -> Result<pb::GrantRoleResponse, Status> {
    server
        .roles(Some(token.into()))
        .grant_role(pb::GrantRoleRequest {
            user_id: user.into(),
            role: role as i32,
        })
        .await
        .map(|r| r.into_inner())
}

pub async fn revoke(
    server: &TestServer,
    token: &str,
    user: &str,
    role: R,
) -> Result<pb::RevokeRoleResponse, Status> {
    server
        .roles(Some(token.into()))
        .revoke_role(pb::RevokeRoleRequest {
            user_id: user.into(),
            role: role as i32,
        })
        .await
        .map(|r| r.into_inner())
}

pub async fn staff(server: &TestServer, token: &str, page_size: u32) -> Vec<pb::PartnerUser> {
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = server
            .roles(Some(token.into()))
            .list_partner_users(pb::ListPartnerUsersRequest {
                page_size,
                page_token,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.users.len() <= page_size as usize);
        out.extend(page.users);
        if page.next_page_token.is_empty() {
            return out;
        }
        page_token = page.next_page_token;
    }
}

pub fn roles_of(user: &pb::PartnerUser) -> Vec<R> {
    user.roles
        .iter()
        .map(|r| R::try_from(*r).unwrap())
        .collect()
}

/// The `ErrorInfo` reason and its `permission` entry, if any.
pub fn error_info(s: &Status) -> (String, Option<String>) {
    let info = s.get_details_error_info().expect("an ErrorInfo detail");
    (
        info.reason.clone(),
        info.metadata.get("permission").cloned(),
    )
}

pub fn assert_denied(r: Result<impl std::fmt::Debug, Status>, permission: &str, what: &str) {
    let s = r.expect_err(what);
    assert_eq!(s.code(), Code::PermissionDenied, "{what}: {s:?}");
    assert_eq!(
        error_info(&s),
        (
            "PERMISSION_MISSING".into(),
            Some(format!("PERMISSION_{permission}"))
        ),
        "{what}"
    );
}

#[tokio::test]
async fn grant_and_revoke_say_whether_anything_changed() {
    let server = TestServer::start().await;
    let ga = server.token(GLOBAL_ADMIN).await;

    let first = grant(&server, &ga, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap();
    assert!(first.changed);
    let user = first.user.unwrap();
    assert_eq!(user.user_id, NO_ROLE_ID);
    assert_eq!(user.user_principal_name, NO_ROLE);
    assert_eq!(roles_of(&user), [R::SalesAgent]);

    let again = grant(&server, &ga, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap();
    assert!(
        !again.changed,
        "granting a held role is harmless and says so"
    );
    assert_eq!(roles_of(&again.user.unwrap()), [R::SalesAgent]);

    let two = grant(&server, &ga, NO_ROLE_ID, R::BillingAdmin)
        .await
        .unwrap();
    assert!(two.changed);
    assert_eq!(
        roles_of(&two.user.unwrap()),
        [R::SalesAgent, R::BillingAdmin]
    );

    let gone = revoke(&server, &ga, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap();
    assert!(gone.changed);
    assert_eq!(roles_of(&gone.user.unwrap()), [R::BillingAdmin]);

    let not_held = revoke(&server, &ga, NO_ROLE_ID, R::SalesAgent)
        .await
        .unwrap();
    assert!(
        !not_held.changed,
        "revoking a role not held is harmless and says so"
    );
    assert_eq!(roles_of(&not_held.user.unwrap()), [R::BillingAdmin]);

    // A global admin manages GLOBAL_ADMIN too.
    assert!(
        grant(&server, &ga, NO_ROLE_ID, R::GlobalAdmin)
            .await
            .unwrap()
            .changed
    );
    assert!(
        revoke(&server, &ga, NO_ROLE_ID, R::GlobalAdmin)
            .await
            .unwrap()
            .changed
    );
}

#[tokio::test]
async fn a_user_management_admin_manages_every_role_but_global_admin() {
    let server = TestServer::start().await;
    let uma = server.token(USER_MANAGEMENT_ADMIN).await;
    for role in [
        R::UserManagementAdmin,
        R::AdminAgent,
        R::SalesAgent,
        R::HelpdeskAgent,
        R::BillingAdmin,
    ] {
        assert!(
            grant(&server, &uma, NO_ROLE_ID, role)
                .await
                .unwrap()
                .changed,
            "{role:?}"
        );
        assert!(
            revoke(&server, &uma, NO_ROLE_ID, role)
                .await
                .unwrap()
                .changed,
            "{role:?}"
        );
    }
    let what = "UMA grants GLOBAL_ADMIN";
    assert_denied(
        grant(&server, &uma, NO_ROLE_ID, R::GlobalAdmin).await,
        "MANAGE_GLOBAL_ADMINS",
        what,
    );
    let what = "UMA revokes GLOBAL_ADMIN";
    assert_denied(
        revoke(&server, &uma, GA_ID, R::GlobalAdmin).await,
        "MANAGE_GLOBAL_ADMINS",
        what,
    );
    // Not even a no-op on GLOBAL_ADMIN, nor on themselves.
    let what = "UMA revokes a GLOBAL_ADMIN not held";
    assert_denied(
        revoke(&server, &uma, NO_ROLE_ID, R::GlobalAdmin).await,
        "MANAGE_GLOBAL_ADMINS",
        what,
    );
    let what = "UMA makes themselves GLOBAL_ADMIN";
    assert_denied(
        grant(&server, &uma, UMA_ID, R::GlobalAdmin).await,
        "MANAGE_GLOBAL_ADMINS",
        what,
    );

    let ga = server.token(GLOBAL_ADMIN).await;
    let ga_roles = staff(&server, &ga, 100).await;
    let ga_user = ga_roles.iter().find(|u| u.user_id == GA_ID).unwrap();
    assert_eq!(roles_of(ga_user), [R::GlobalAdmin], "nothing changed");
    // The staff list is theirs to read.
    assert_eq!(staff(&server, &uma, 100).await.len(), 7);
}

#[tokio::test]
async fn nobody_else_manages_roles_and_apps_only_read() {
    let server = TestServer::start().await;
    let mut callers = Vec::new();
    for upn in [
        ADMIN_AGENT,
        SALES_AGENT,
        HELPDESK_AGENT,
        BILLING_ADMIN,
        NO_ROLE,
    ] {
        callers.push((upn.to_owned(), server.token(upn).await));
    }
    let app = server.app_token("reseller-bot", CONTOSO);
    callers.push(("app".into(), app.clone()));
    for (who, token) in &callers {
        for role in [R::GlobalAdmin, R::SalesAgent] {
            assert_denied(
                grant(&server, token, NO_ROLE_ID, role).await,
                "MANAGE_ROLES",
                who,
            );
            assert_denied(
                revoke(&server, token, SALES_ID, role).await,
                "MANAGE_ROLES",
                who,
            );
        }
        let list = server
            .roles(Some(token.clone()))
            .list_partner_users(pb::ListPartnerUsersRequest::default())
            .await;
        assert_denied(list, "MANAGE_ROLES", who);
    }

    // What an app may do: read and check eligibility.
    let customers = server
        .customers(Some(app.clone()))
        .list_customers(pb::ListCustomersRequest::default())
        .await
        .unwrap()
        .into_inner()
        .customers;
    assert!(!customers.is_empty());
    let mut upgrades =
        pb::upgrade_service_client::UpgradeServiceClient::new(server.intercepted(Some(app)));
    let check = upgrades
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: "30000000-0000-4000-8000-000000000001".into(),
            subscription_id: "40000000-0000-4000-8000-000000000101".into(),
            target_offer_id: String::new(),
            as_of: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!check.targets.is_empty());
}

#[tokio::test]
async fn the_last_global_admin_cannot_be_revoked() {
    let server = TestServer::start().await;
    let ga = server.token(GLOBAL_ADMIN).await;

    let s = revoke(&server, &ga, GA_ID, R::GlobalAdmin)
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::FailedPrecondition, "{s:?}");
    assert_eq!(error_info(&s).0, "LAST_GLOBAL_ADMIN");
    let violations = s.get_details_precondition_failure().unwrap().violations;
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].r#type, "LAST_GLOBAL_ADMIN");
    assert_eq!(violations[0].subject, GA_ID);

    // With a second global admin the first may step down; then the second
    // is the last one.
    assert!(
        grant(&server, &ga, UMA_ID, R::GlobalAdmin)
            .await
            .unwrap()
            .changed
    );
    let down = revoke(&server, &ga, GA_ID, R::GlobalAdmin).await.unwrap();
    assert!(down.changed);
    assert!(roles_of(&down.user.unwrap()).is_empty());
    let uma = server.token(USER_MANAGEMENT_ADMIN).await;
    let s = revoke(&server, &uma, UMA_ID, R::GlobalAdmin)
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::FailedPrecondition);
    assert_eq!(error_info(&s).0, "LAST_GLOBAL_ADMIN");
    // Other roles of the last global admin come and go freely.
    assert!(
        revoke(&server, &uma, UMA_ID, R::UserManagementAdmin)
            .await
            .unwrap()
            .changed
    );
    let left = staff(&server, &uma, 100).await;
    let admins: Vec<_> = left
        .iter()
        .filter(|u| roles_of(u).contains(&R::GlobalAdmin))
        .map(|u| u.user_id.as_str())
        .collect();
    assert_eq!(admins, [UMA_ID]);
}

#[tokio::test]
async fn unknown_users_and_other_partners_users_are_not_found() {
    let server = TestServer::start().await;
    let ga = server.token(GLOBAL_ADMIN).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for user in [FABRIKAM_GA_ID, unknown.as_str()] {
        let s = grant(&server, &ga, user, R::SalesAgent).await.unwrap_err();
        assert_eq!(s.code(), Code::NotFound, "{s:?}");
        assert_eq!(s.message(), format!("partner user {user} not found"));
        let s = revoke(&server, &ga, user, R::GlobalAdmin)
            .await
            .unwrap_err();
        assert_eq!(s.code(), Code::NotFound, "{s:?}");
    }
    // Fabrikam's admin still is one.
    let b = server.token(B_GLOBAL_ADMIN).await;
    let theirs = staff(&server, &b, 100).await;
    assert_eq!(theirs.len(), 2);
    assert!(
        theirs
            .iter()
            .all(|u| !u.user_principal_name.contains("contoso"))
    );

    // Malformed requests are INVALID_ARGUMENT naming the field.
    let bad = grant(&server, &ga, "not-a-uuid", R::SalesAgent)
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert_eq!(
        bad.get_details_bad_request().unwrap().field_violations[0].field,
        "user_id"
    );
    let bad = grant(&server, &ga, NO_ROLE_ID, R::Unspecified)
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert_eq!(
        bad.get_details_bad_request().unwrap().field_violations[0].field,
        "role"
    );
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_very_next_call() {
    let server = TestServer::start().await;
    let ga = server.token(GLOBAL_ADMIN).await;
    let sales = server.token(SALES_AGENT).await;
    let list = |token: String| {
        let mut client = server.customers(Some(token));
        async move {
            client
                .list_customers(pb::ListCustomersRequest::default())
                .await
        }
    };
    assert!(list(sales.clone()).await.is_ok());

    assert!(
        revoke(&server, &ga, SALES_ID, R::SalesAgent)
            .await
            .unwrap()
            .changed
    );
    assert_denied(
        list(sales.clone()).await,
        "VIEW_CATALOG_AND_CUSTOMERS",
        "revoked",
    );
    let me = server
        .roles(Some(sales.clone()))
        .get_caller(pb::GetCallerRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(me.roles.is_empty() && me.permissions.is_empty());

    assert!(
        grant(&server, &ga, SALES_ID, R::SalesAgent)
            .await
            .unwrap()
            .changed
    );
    assert!(list(sales).await.is_ok(), "granted back");
}

#[tokio::test]
async fn the_staff_list_pages_in_upn_order_with_roles() {
    let server = TestServer::start().await;
    let ga = server.token(GLOBAL_ADMIN).await;
    let all = staff(&server, &ga, 1000).await;
    assert_eq!(staff(&server, &ga, 2).await, all, "pages of 2 see the same");
    let upns: Vec<_> = all.iter().map(|u| u.user_principal_name.as_str()).collect();
    assert_eq!(
        upns,
        [
            "agent@contoso-csp.example",
            "billing@contoso-csp.example",
            "ga@contoso-csp.example",
            "helpdesk@contoso-csp.example",
            "norole@contoso-csp.example",
            "sales@contoso-csp.example",
            "uma@contoso-csp.example",
        ]
    );
    let ga_user = all.iter().find(|u| u.user_id == GA_ID).unwrap();
    assert_eq!(ga_user.display_name, "Gabriela Alvarez");
    assert_eq!(roles_of(ga_user), [R::GlobalAdmin]);
    let bad = server
        .roles(Some(ga))
        .list_partner_users(pb::ListPartnerUsersRequest {
            page_size: 2,
            page_token: "garbage".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}
