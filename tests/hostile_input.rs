//! Issue 15: what a hostile or broken client sends is answered with the code
//! for the client's mistake, never `INTERNAL` (which pages someone): frames
//! that do not decode, ids of a megabyte, values outside what the database
//! stores. Runs on SQLite, or Postgres with TEST_DATABASE_URL (where the
//! out-of-range values used to reach the database and fail there).

mod common;
#[path = "hostile_input/raw.rs"]
mod raw;

use common::dynamic;
use common::server::*;
use csp_upgrades::grpc::pb;
use prost_reflect::Kind;
use raw::frame;
use tonic::Code;
use tonic_types::StatusExt;

const PARTNER: &str = "10000000-0000-4000-8000-000000000001";
const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";

fn bad_request_field(status: &tonic::Status) -> String {
    status
        .get_details_bad_request()
        .and_then(|b| b.field_violations.first().map(|v| v.field.clone()))
        .unwrap_or_default()
}

/// Bodies no gRPC server can read as a request, whatever the method.
fn malformed_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let mut cut_short = frame(b"\x0a\x05hello");
    cut_short.truncate(8);
    vec![
        ("no message at all", Vec::new()),
        ("a frame cut short", cut_short),
        ("a header cut short", vec![0, 0, 0]),
        ("an unknown compression flag", vec![7, 0, 0, 0, 1, 0]),
        (
            "the compressed flag without grpc-encoding",
            vec![1, 0, 0, 0, 1, 0],
        ),
        ("an invalid wire type", frame(&[0x0e])),
        ("a varint that never ends", frame(&[0xff; 11])),
        ("a length past the end", frame(&[0x0a, 0x05, 0x61])),
        ("a field number 0", frame(&[0x00, 0x01])),
    ]
}

#[tokio::test]
async fn malformed_frames_to_every_rpc_are_invalid_argument() {
    let server = TestServer::start().await;
    let token = server.token(GLOBAL_ADMIN).await;
    for method in dynamic::methods() {
        let path = format!("/{}", dynamic::full_name(&method));
        for (what, body) in malformed_bodies() {
            let status = raw::call(&server.channel, &token, &path, body).await;
            assert_eq!(
                status.code(),
                Code::InvalidArgument,
                "{path}, {what}: {status:?}"
            );
        }
        // Invalid UTF-8 in a string field: the answer names the field.
        let Some(field) = method.input().fields().find(|f| f.kind() == Kind::String) else {
            continue;
        };
        assert!(field.number() < 16, "a one-byte tag");
        let tag = u8::try_from(field.number() << 3 | 2).unwrap();
        let status = raw::call(&server.channel, &token, &path, frame(&[tag, 2, 0xff, 0xfe])).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{path}: {status:?}");
        assert_eq!(
            bad_request_field(&status),
            field.name(),
            "{path}: {status:?}"
        );
    }
    // The server is still there.
    assert_eq!(
        server.health("").await,
        Some(tonic_health::pb::health_check_response::ServingStatus::Serving)
    );
}

/// The status's message and every detail stay far below the 16 KB of
/// trailers gRPC clients accept (the details: ErrorInfo, BadRequest quoting
/// the input, LocalizedMessage).
fn assert_short(status: &tonic::Status, what: &str) {
    assert!(
        status.message().len() < 300 && status.details().len() < 1024,
        "{what}: {} bytes of message, {} of details: {}",
        status.message().len(),
        status.details().len(),
        &status.message()[..status.message().len().min(300)]
    );
}

#[tokio::test]
async fn errors_quote_only_a_short_prefix_of_a_long_id() {
    let server = TestServer::start().await;
    let token = server.token(GLOBAL_ADMIN).await;
    for len in [5_000, 1_000_000] {
        let id = "x".repeat(len);
        let err = server
            .customers(Some(token.clone()))
            .get_customer(pb::GetCustomerRequest {
                customer_id: id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{len}: {:?}", err.code());
        assert_short(&err, "GetCustomer");
        assert!(
            err.message().contains(&format!("({len} characters)")),
            "{}",
            err.message()
        );
        assert_eq!(bad_request_field(&err), "customer_id");

        let err = server
            .upgrades(Some(token.clone()))
            .get_upgrade_order(pb::GetUpgradeOrderRequest {
                order_id: id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{len}");
        assert_short(&err, "GetUpgradeOrder");

        let err = server
            .upgrades(Some(token.clone()))
            .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
                customer_id: NORTHWIND.into(),
                subscription_id: NORTHWIND_BASIC.into(),
                target_offer_id: id.clone(),
                as_of: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{len}");
        assert_short(&err, "CheckUpgradeEligibility");
    }
}

fn audit_between(
    start: Option<prost_types::Timestamp>,
    end: Option<prost_types::Timestamp>,
) -> pb::ListAuditRecordsRequest {
    pb::ListAuditRecordsRequest {
        page_size: 10,
        page_token: String::new(),
        start_time: start,
        end_time: end,
    }
}

#[tokio::test]
async fn values_out_of_the_databases_range_are_refused_at_the_edge() {
    let server = TestServer::start().await;
    let token = server.token(GLOBAL_ADMIN).await;
    let at = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });

    // Postgres answered 22008 "timestamp out of range" (INTERNAL) for these.
    for (request, field) in [
        (audit_between(at(-(1 << 40)), None), "start_time"),
        (audit_between(None, at(1 << 40)), "end_time"),
        (audit_between(at(i64::MIN), at(i64::MAX)), "start_time"),
    ] {
        let err = server
            .roles(Some(token.clone()))
            .list_audit_records(request)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
        assert_eq!(bad_request_field(&err), field);
        assert!(err.message().contains("9999-12-31"), "{}", err.message());
    }
    // The edges of the range itself are served.
    let edges = audit_between(at(-62_135_596_800), at(253_402_300_799));
    server
        .roles(Some(token.clone()))
        .list_audit_records(edges)
        .await
        .expect("years 1 to 9999 are a valid range");

    // A NUL in the note: Postgres cannot store it in text.
    let err = server
        .upgrades(Some(token.clone()))
        .resolve_credit_check(pb::ResolveCreditCheckRequest {
            order_id: uuid::Uuid::new_v4().to_string(),
            decision: pb::CreditDecision::Approve as i32,
            note: "ok\0".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(bad_request_field(&err), "note");

    // Seats beyond any offer, named with the limit.
    let err = server
        .upgrades(Some(token.clone()))
        .preview_upgrade(pb::PreviewUpgradeRequest {
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: "m365-business-standard".into(),
            quantity: i64::MAX,
            upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
            billing_cycle: 0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(bad_request_field(&err), "quantity");
    assert!(err.message().contains("1000000"), "{}", err.message());
}

#[tokio::test]
async fn forged_page_tokens_and_claims_do_not_reach_the_database() {
    use base64::Engine as _;
    let server = TestServer::start().await;
    let token = server.token(GLOBAL_ADMIN).await;
    // Page tokens are base64 of JSON: anyone can write one. A NUL in the
    // staff list's UPN key used to reach Postgres.
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&[
            "v1",
            "a\0b@x.example",
            uuid::Uuid::new_v4().to_string().as_str(),
        ])
        .unwrap(),
    );
    let err = server
        .roles(Some(token.clone()))
        .list_partner_users(pb::ListPartnerUsersRequest {
            page_size: 10,
            page_token: forged,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(bad_request_field(&err), "page_token");

    // A service token's app id goes into audit records: it is held to
    // what both backends store.
    for app_id in ["app\0x".to_owned(), "a".repeat(200)] {
        let err = server
            .customers(Some(server.app_token(&app_id, PARTNER)))
            .list_customers(pb::ListCustomersRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    }
}
