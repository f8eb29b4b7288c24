//! The contract as a client reads it, through the real server on the demo
//! data (SQLite, or Postgres with TEST_DATABASE_URL): every reason carries the
//! typed details its code promises, a refusal carries every reason with its
//! remedy, every `ErrorInfo.reason` is a value of `ErrorReason`, and
//! reflection serves what a client needs to decode the `google.rpc` details
//! (what grpcurl does).

mod common;

use std::collections::{BTreeSet, HashSet};

use common::server::*;
use csp_upgrades::grpc::pb;
use pb::reason::Details;
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage};
use tonic::Code;
use tonic_types::StatusExt;

/// The oneof case each reason code promises (`None`: no typed facts).
fn expected_details(code: pb::ReasonCode) -> Option<&'static str> {
    use pb::ReasonCode as C;
    match code {
        C::Unspecified => Some("never sent"),
        C::SubscriptionNotActive => Some("status"),
        C::ServiceIncident => Some("service_incident"),
        C::DelegatedAdminMissing => Some("delegated_admin"),
        C::LicenseConflict | C::SeatLimitExceeded => Some("seats"),
        C::UpgradeInProgress | C::CreditCheckPending => Some("open_orders"),
        C::PrepaidSubscription => Some("payment"),
        C::RestrictedSegment => Some("segment"),
        C::MarketMismatch => Some("market"),
        C::ConflictingServices => Some("service_conflict"),
        C::MultichannelConflict => Some("service_conflict or channel"),
        C::DataServiceDowngrade => Some("data_services"),
        C::BillingCycleUnsupported => Some("billing_cycle"),
        C::TargetNotAvailable => Some("availability"),
        C::AddOnIncompatible => Some("add_ons"),
        C::SubscriptionNotProvisioned
        | C::DuplicatePlans
        | C::UnpaidBalance
        | C::TrialSubscription
        | C::NoUpgradePaths
        | C::TargetNotInMatrix
        | C::TargetAlreadyOwned
        | C::CustomDomainBlocksSwitch => None,
    }
}

fn details_case(d: &Option<Details>) -> Option<&'static str> {
    d.as_ref().map(|d| match d {
        Details::Status(_) => "status",
        Details::ServiceIncident(_) => "service_incident",
        Details::DelegatedAdmin(_) => "delegated_admin",
        Details::Seats(_) => "seats",
        Details::OpenOrders(_) => "open_orders",
        Details::Payment(_) => "payment",
        Details::Segment(_) => "segment",
        Details::Market(_) => "market",
        Details::ServiceConflict(_) => "service_conflict",
        Details::Channel(_) => "channel",
        Details::DataServices(_) => "data_services",
        Details::BillingCycle(_) => "billing_cycle",
        Details::Availability(_) => "availability",
        Details::AddOns(_) => "add_ons",
    })
}

/// Every reason of `answer` has the details its code promises, a remedy,
/// and a message; returns the codes seen.
fn check_reasons(answer: &pb::CheckUpgradeEligibilityResponse, seen: &mut BTreeSet<i32>) {
    let all = answer
        .source_reasons
        .iter()
        .chain(answer.targets.iter().flat_map(|t| &t.reasons));
    for r in all {
        let code = r.code();
        let got = details_case(&r.details);
        let want = expected_details(code);
        let ok = match (want, got) {
            (Some("service_conflict or channel"), Some(g)) => {
                g == "service_conflict" || g == "channel"
            }
            (w, g) => w == g,
        };
        assert!(ok, "{code:?}: details {got:?}, expected {want:?}: {r:?}");
        assert_ne!(r.remedy(), pb::Remedy::Unspecified, "{r:?}");
        assert!(!r.message.is_empty(), "{r:?}");
        seen.insert(r.code);
    }
}

#[tokio::test]
async fn every_reason_on_the_demo_data_has_its_typed_details() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let customers = server
        .customers(Some(token.clone()))
        .list_customers(pb::ListCustomersRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .customers;
    let mut seen = BTreeSet::new();
    for c in &customers {
        let subs = server
            .customers(Some(token.clone()))
            .list_subscriptions(pb::ListSubscriptionsRequest {
                customer_id: c.customer_id.clone(),
                page_size: 1000,
                page_token: String::new(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .subscriptions;
        for s in subs {
            let answer = server
                .upgrades(Some(token.clone()))
                .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
                    customer_id: c.customer_id.clone(),
                    subscription_id: s.subscription_id.clone(),
                    target_offer_id: String::new(),
                    as_of: 0,
                })
                .await
                .unwrap()
                .into_inner();
            check_reasons(&answer, &mut seen);
        }
    }
    // The demo data shows most codes; the domain's table tests cover the
    // rest. A drop here means the demo lost its variety.
    assert!(
        seen.len() >= 12,
        "only {} codes on the demo data",
        seen.len()
    );
}

/// The `google.rpc.Status` carried by `s`.
fn rpc_status(s: &tonic::Status) -> tonic_types::pb::Status {
    tonic_types::pb::Status::decode(s.details()).expect("grpc-status-details-bin decodes")
}

/// A refused submission (Northwind's Business Basic to Office 365 E4: retired
/// and off the matrix) answers with every reason of the eligibility answer,
/// each with its remedy, in PreconditionFailure and UpgradeRefusal.
#[tokio::test]
async fn a_refusal_carries_every_reason_with_its_remedy() {
    const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
    const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let mut upgrades = server.upgrades(Some(token));
    let target = "o365-e4";
    let check = upgrades
        .check_upgrade_eligibility(pb::CheckUpgradeEligibilityRequest {
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: target.into(),
            as_of: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let expected = &check.targets[0].reasons;
    assert!(
        expected.len() >= 2,
        "a case with several reasons: {expected:?}"
    );

    let err = upgrades
        .submit_upgrade(pb::SubmitUpgradeRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            customer_id: NORTHWIND.into(),
            subscription_id: NORTHWIND_BASIC.into(),
            target_offer_id: target.into(),
            quantity: 10,
            upgrade_type: pb::UpgradeType::UpgradeOnly as i32,
            billing_cycle: 0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");

    let info = err.get_details_error_info().unwrap();
    let first = pb::ReasonCode::try_from(expected[0].code).unwrap();
    let first_name = first.as_str_name().strip_prefix("REASON_CODE_").unwrap();
    assert_eq!(info.reason, first_name);
    assert!(pb::ErrorReason::from_str_name(&info.reason).is_some());
    assert!(
        !info.metadata.contains_key("reasons"),
        "no comma-joined list"
    );

    let violations = err.get_details_precondition_failure().unwrap().violations;
    let types: Vec<_> = violations.iter().map(|v| v.r#type.as_str()).collect();
    let codes: Vec<_> = expected
        .iter()
        .map(|r| {
            let c = pb::ReasonCode::try_from(r.code).unwrap();
            c.as_str_name().strip_prefix("REASON_CODE_").unwrap()
        })
        .collect();
    assert_eq!(types, codes, "one violation per reason, in order");

    let refusal = rpc_status(&err)
        .details
        .iter()
        .find(|a| a.type_url == "type.googleapis.com/csp.v1.UpgradeRefusal")
        .map(|a| pb::UpgradeRefusal::decode(a.value.as_slice()).unwrap())
        .expect("an UpgradeRefusal detail");
    assert_eq!(
        &refusal.reasons, expected,
        "every reason, typed, with remedies"
    );
}

/// Every error the walk below provokes names an `ErrorReason` value.
#[tokio::test]
async fn every_error_info_reason_is_an_error_reason_value() {
    let server = TestServer::start().await;
    let token = server.token(HELPDESK_AGENT).await;
    let billing = server.token(BILLING_ADMIN).await;
    let errors = [
        // INVALID_FIELD
        server
            .customers(Some(token.clone()))
            .get_customer(pb::GetCustomerRequest {
                customer_id: "not-a-uuid".into(),
            })
            .await
            .unwrap_err(),
        // RESOURCE_NOT_FOUND
        server
            .customers(Some(token.clone()))
            .get_customer(pb::GetCustomerRequest {
                customer_id: uuid::Uuid::new_v4().to_string(),
            })
            .await
            .unwrap_err(),
        // UNAUTHENTICATED
        server
            .customers(None)
            .list_customers(pb::ListCustomersRequest::default())
            .await
            .unwrap_err(),
        // PERMISSION_MISSING
        server
            .customers(Some(billing))
            .list_customers(pb::ListCustomersRequest::default())
            .await
            .unwrap_err(),
    ];
    let expected = [
        (Code::InvalidArgument, pb::ErrorReason::InvalidField),
        (Code::NotFound, pb::ErrorReason::ResourceNotFound),
        (Code::Unauthenticated, pb::ErrorReason::Unauthenticated),
        (Code::PermissionDenied, pb::ErrorReason::PermissionMissing),
    ];
    for (err, (code, reason)) in errors.iter().zip(expected) {
        assert_eq!(err.code(), code, "{err:?}");
        let info = err.get_details_error_info().expect("an ErrorInfo");
        assert_eq!(info.reason, reason.as_str_name(), "{err:?}");
        assert_eq!(info.domain, "csp-upgrades.v1");
    }
}

/// Asks reflection for the file defining `symbol` and its dependencies, as
/// grpcurl does, and adds them to `pool`.
async fn reflect(server: &TestServer, symbol: &str, pool: &mut DescriptorPool) {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let mut client = ServerReflectionClient::new(server.channel.clone());
    let mut wanted = vec![MessageRequest::FileContainingSymbol(symbol.into())];
    let mut have: HashSet<String> = pool.files().map(|f| f.name().to_owned()).collect();
    let mut files = Vec::new();
    while let Some(request) = wanted.pop() {
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        };
        let mut stream = client
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        let reply = stream.message().await.unwrap().unwrap();
        let Some(MessageResponse::FileDescriptorResponse(found)) = reply.message_response else {
            panic!("reflection does not know {symbol}: {reply:?}");
        };
        for raw in found.file_descriptor_proto {
            let file = prost_types::FileDescriptorProto::decode(raw.as_slice()).unwrap();
            if have.insert(file.name().to_owned()) {
                for dep in &file.dependency {
                    if !have.contains(dep) {
                        wanted.push(MessageRequest::FileByFilename(dep.clone()));
                    }
                }
                files.push(file);
            }
        }
    }
    // Dependencies first, as the pool wants them.
    files.reverse();
    pool.add_file_descriptor_protos(files)
        .unwrap_or_else(|e| panic!("{symbol}: {e}"));
}

#[tokio::test]
async fn reflection_alone_decodes_every_error_detail() {
    let server = TestServer::start().await;
    let mut pool = DescriptorPool::new();
    for symbol in [
        "google.rpc.Status",
        "google.rpc.ErrorInfo",
        "google.rpc.BadRequest",
        "google.rpc.PreconditionFailure",
        "google.rpc.ResourceInfo",
        "google.rpc.LocalizedMessage",
        "csp.v1.UpgradeRefusal",
        "csp.v1.UpgradeService",
    ] {
        reflect(&server, symbol, &mut pool).await;
        assert!(
            pool.get_message_by_name(symbol).is_some()
                || pool.get_service_by_name(symbol).is_some(),
            "{symbol} resolves"
        );
    }

    // A refused submission, decoded with nothing but what reflection served.
    let token = server.token(ADMIN_AGENT).await;
    let err = server
        .upgrades(Some(token))
        .submit_upgrade(pb::SubmitUpgradeRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            customer_id: "30000000-0000-4000-8000-000000000001".into(),
            subscription_id: "40000000-0000-4000-8000-000000000101".into(),
            target_offer_id: "o365-e4".into(),
            quantity: 10,
            upgrade_type: pb::UpgradeType::UpgradeOnly as i32,
            billing_cycle: 0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let status_type = pool.get_message_by_name("google.rpc.Status").unwrap();
    let status = DynamicMessage::decode(status_type, err.details()).unwrap();
    let mut decoded = BTreeSet::new();
    for any in status
        .get_field_by_name("details")
        .unwrap()
        .as_list()
        .unwrap()
    {
        let any = any.as_message().unwrap();
        let url = any.get_field_by_name("type_url").unwrap();
        let name = url
            .as_str()
            .unwrap()
            .trim_start_matches("type.googleapis.com/")
            .to_owned();
        let value = any.get_field_by_name("value").unwrap();
        let message = pool
            .get_message_by_name(&name)
            .unwrap_or_else(|| panic!("{name} is not served by reflection"));
        let detail = DynamicMessage::decode(message, value.as_bytes().unwrap().clone()).unwrap();
        assert!(
            detail.fields().next().is_some(),
            "{name} decodes to something"
        );
        decoded.insert(name);
    }
    assert_eq!(
        decoded,
        BTreeSet::from([
            "google.rpc.ErrorInfo".to_owned(),
            "google.rpc.PreconditionFailure".to_owned(),
            "google.rpc.LocalizedMessage".to_owned(),
            "csp.v1.UpgradeRefusal".to_owned(),
        ])
    );
}

/// The documented list filters, through the API: partner-wide orders by
/// state, subscriptions by status, offer and hint, customers by name prefix
/// and country.
#[tokio::test]
async fn lists_filter_as_documented() {
    let server = TestServer::start().await;
    let billing = server.token(BILLING_ADMIN).await;
    let token = server.token(ADMIN_AGENT).await;

    let orders = |state: pb::OrderState| pb::ListUpgradeOrdersRequest {
        page_size: 1000,
        state: state as i32,
        ..Default::default()
    };
    let all = server
        .upgrades(Some(billing.clone()))
        .list_upgrade_orders(orders(pb::OrderState::Unspecified))
        .await
        .unwrap()
        .into_inner()
        .orders;
    let customers: BTreeSet<_> = all.iter().map(|o| o.customer_id.clone()).collect();
    assert!(customers.len() >= 2, "partner-wide: {customers:?}");
    let waiting = server
        .upgrades(Some(billing))
        .list_upgrade_orders(orders(pb::OrderState::PendingCreditCheck))
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert!(!waiting.is_empty(), "the demo has a credit check waiting");
    assert!(
        waiting
            .iter()
            .all(|o| o.state() == pb::OrderState::PendingCreditCheck)
    );
    assert_eq!(
        waiting.len(),
        all.iter()
            .filter(|o| o.state() == pb::OrderState::PendingCreditCheck)
            .count()
    );

    let list = server
        .customers(Some(token.clone()))
        .list_customers(pb::ListCustomersRequest {
            page_size: 1000,
            country: "IN".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .customers;
    assert!(
        !list.is_empty() && list.iter().all(|c| c.country == "IN"),
        "{list:?}"
    );
    let first = &list[0];
    let prefix: String = first
        .name
        .chars()
        .take(3)
        .collect::<String>()
        .to_lowercase();
    let named = server
        .customers(Some(token.clone()))
        .list_customers(pb::ListCustomersRequest {
            page_size: 1000,
            name_prefix: prefix.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .customers;
    assert!(named.iter().any(|c| c.customer_id == first.customer_id));
    assert!(
        named
            .iter()
            .all(|c| c.name.to_lowercase().starts_with(&prefix))
    );
    let bad = server
        .customers(Some(token.clone()))
        .list_customers(pb::ListCustomersRequest {
            country: "India".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);

    const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
    let subs = |status: pb::SubscriptionStatus, offer: &str, hint: Option<bool>| {
        pb::ListSubscriptionsRequest {
            customer_id: NORTHWIND.into(),
            page_size: 1000,
            status: status as i32,
            offer_id: offer.into(),
            upgrade_available: hint,
            ..Default::default()
        }
    };
    let mut customers = server.customers(Some(token));
    let every = customers
        .list_subscriptions(subs(pb::SubscriptionStatus::Unspecified, "", None))
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    for hint in [true, false] {
        let got = customers
            .list_subscriptions(subs(pb::SubscriptionStatus::Unspecified, "", Some(hint)))
            .await
            .unwrap()
            .into_inner()
            .subscriptions;
        assert_eq!(
            got.len(),
            every.iter().filter(|s| s.upgrade_available == hint).count()
        );
    }
    let offer = &every[0].offer_id;
    let got = customers
        .list_subscriptions(subs(pb::SubscriptionStatus::Active, offer, None))
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert_eq!(
        got.len(),
        every
            .iter()
            .filter(|s| &s.offer_id == offer && s.status() == pb::SubscriptionStatus::Active)
            .count()
    );
    assert!(!got.is_empty());
}
