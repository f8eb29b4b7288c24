//! `DataService.SyncPartnerData`: the file in chunks, who may call it, and
//! what another partner's data answers.

use csp_upgrades::grpc::pb;
use csp_upgrades::state::Options;
use serde_json::{Value, json};
use tonic::Code;

use crate::common::server::*;
use crate::export::*;

const FABRIKAM: &str = "10000000-0000-4000-8000-000000000002";

/// Sends `d` in 4 KiB chunks with `token`.
async fn call(
    server: &TestServer,
    token: &str,
    d: &Value,
    dry_run: bool,
) -> Result<pb::SyncPartnerDataResponse, tonic::Status> {
    let bytes = d.to_string().into_bytes();
    let chunks: Vec<pb::SyncPartnerDataRequest> = bytes
        .chunks(4096)
        .map(|c| pb::SyncPartnerDataRequest {
            chunk: c.to_vec(),
            dry_run,
        })
        .collect();
    pb::data_service_client::DataServiceClient::new(server.intercepted(Some(token.into())))
        .sync_partner_data(tokio_stream::iter(chunks))
        .await
        .map(tonic::Response::into_inner)
}

fn changed_export() -> Value {
    let mut d = export();
    record(&mut d, "subscriptions", NORTHWIND_BASIC)["assigned_seats"] = json!(2);
    d
}

#[tokio::test]
async fn a_global_admin_syncs_the_file_in_chunks() {
    let server = crate::start().await;
    let token = server.token(GLOBAL_ADMIN).await;
    let d = changed_export();
    let dry = call(&server, &token, &d, true).await.unwrap();
    assert!(dry.dry_run && dry.changed);
    assert_eq!(dry.subscriptions.unwrap().updated, 1);
    let subs = crate::subscriptions(&server, &token).await;
    let basic = subs.iter().find(|s| s.subscription_id == NORTHWIND_BASIC);
    assert_eq!(
        basic.unwrap().assigned_seats,
        4,
        "the dry run wrote nothing"
    );

    let real = call(&server, &token, &d, false).await.unwrap();
    assert!(!real.dry_run && real.changed);
    assert_eq!(real.records, dry.records);
    assert_eq!(
        real.records[0].kind,
        pb::SyncedRecordKind::Subscription as i32
    );
    assert_eq!(real.records[0].action, pb::SyncAction::Update as i32);
    assert_eq!(real.records[0].fields, ["assigned_seats"]);
    let subs = crate::subscriptions(&server, &token).await;
    let basic = subs.iter().find(|s| s.subscription_id == NORTHWIND_BASIC);
    assert_eq!(basic.unwrap().assigned_seats, 2);

    let again = call(&server, &token, &d, false).await.unwrap();
    assert!(!again.changed && again.records.is_empty());
}

#[tokio::test]
async fn only_global_admins_and_granted_apps_may_sync() {
    let server = crate::start().await;
    let d = changed_export();
    for upn in [USER_MANAGEMENT_ADMIN, ADMIN_AGENT, BILLING_ADMIN] {
        let token = server.token(upn).await;
        let denied = call(&server, &token, &d, true).await.unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied, "{upn}");
    }
    let app = server.app_token("nightly-export", PARTNER_A);
    let denied = call(&server, &app, &d, true).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let granted = server
        .replica(Options {
            sync_apps: ["nightly-export".to_owned()].into(),
            ..Options::default()
        })
        .await;
    let app = granted.app_token("nightly-export", PARTNER_A);
    let report = call(&granted, &app, &d, false).await.unwrap();
    assert!(report.changed);
    let other = granted.app_token("another-app", PARTNER_A);
    let denied = call(&granted, &other, &d, true).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn another_partners_file_or_ids_answer_not_found() {
    let server = crate::start().await;
    // Fabrikam's admin sends partner A's export.
    let b = server.token(B_GLOBAL_ADMIN).await;
    let refused = call(&server, &b, &changed_export(), false)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    assert!(!refused.message().contains(FABRIKAM));

    // Partner A's export claiming one of Fabrikam's customers as new.
    let a = server.token(GLOBAL_ADMIN).await;
    let mut d = changed_export();
    let mut taken = d["customers"][1].clone();
    taken["id"] = json!(FABRIKAM_CUSTOMER);
    d["customers"].as_array_mut().unwrap().push(taken);
    let refused = call(&server, &a, &d, false).await.unwrap_err();
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    let subs = crate::subscriptions(&server, &a).await;
    let basic = subs.iter().find(|s| s.subscription_id == NORTHWIND_BASIC);
    assert_eq!(basic.unwrap().assigned_seats, 4, "nothing was written");
}

#[tokio::test]
async fn a_bad_file_is_refused_naming_record_and_field() {
    let server = crate::start().await;
    let token = server.token(GLOBAL_ADMIN).await;
    let mut d = changed_export();
    record(&mut d, "subscriptions", NORTHWIND_BASIC)["billing_cycle"] = json!("WEEKLY");
    let refused = call(&server, &token, &d, false).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().contains(NORTHWIND_BASIC),
        "{}",
        refused.message()
    );
    assert!(
        refused.message().contains("billing_cycle"),
        "{}",
        refused.message()
    );
    let not_json = call(&server, &token, &json!("{"), false).await.unwrap_err();
    assert_eq!(not_json.code(), Code::InvalidArgument);
}
