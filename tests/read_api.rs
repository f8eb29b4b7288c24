//! Issue 2 through the real server: paging, isolation, permissions, tokens,
//! validation, reflection. Runs on SQLite, or on Postgres with TEST_DATABASE_URL.

mod common;

use std::collections::HashSet;

use common::server::*;
use csp_upgrades::grpc::pb;
use tonic::Code;
use tonic_types::StatusExt;

async fn all_customers(server: &TestServer, token: &str, page_size: u32) -> Vec<pb::Customer> {
    let mut client = server.customers(Some(token.into()));
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_customers(pb::ListCustomersRequest {
                page_size,
                page_token: page_token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.customers.len() <= page_size as usize);
        out.extend(page.customers);
        if page.next_page_token.is_empty() {
            return out;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn paging_walks_every_list_without_duplicates_or_gaps() {
    let server = TestServer::start().await;
    let token = server.token(GLOBAL_ADMIN).await;

    let one_page = all_customers(&server, &token, 1000).await;
    let paged = all_customers(&server, &token, 3).await;
    assert!(
        one_page.len() > 3,
        "the demo partner needs more than one page"
    );
    assert_eq!(
        paged, one_page,
        "pages of 3 see the same customers in the same order"
    );
    let names: Vec<_> = paged.iter().map(|c| c.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "customers are ordered by name");

    // Subscriptions of the customer with the most of them, two at a time.
    let mut customers = server.customers(Some(token.clone()));
    let mut best = (0, String::new());
    for c in &one_page {
        let n = customers
            .list_subscriptions(pb::ListSubscriptionsRequest {
                customer_id: c.customer_id.clone(),
                page_size: 1000,
                page_token: String::new(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .subscriptions
            .len();
        if n > best.0 {
            best = (n, c.customer_id.clone());
        }
    }
    assert!(best.0 > 2);
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = customers
            .list_subscriptions(pb::ListSubscriptionsRequest {
                customer_id: best.1.clone(),
                page_size: 2,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.subscriptions.into_iter().map(|s| s.subscription_id));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(seen.len(), best.0);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        best.0,
        "no duplicates"
    );

    // Offers, five at a time.
    let mut offers = server.offers(Some(token.clone()));
    let mut ids = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = offers
            .list_offers(pb::ListOffersRequest {
                page_size: 5,
                page_token,
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.offers.into_iter().map(|o| o.offer_id));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert!(ids.len() > 30, "both matrices are served");
}

#[tokio::test]
async fn another_partners_customer_is_not_found() {
    let server = TestServer::start().await;
    let b_token = server.token(B_GLOBAL_ADMIN).await;
    let b_customers = all_customers(&server, &b_token, 100).await;
    assert!(!b_customers.is_empty());
    let a_token = server.token(GLOBAL_ADMIN).await;
    let a_customers = all_customers(&server, &a_token, 100).await;
    let a_ids: HashSet<_> = a_customers.iter().map(|c| &c.customer_id).collect();
    assert!(b_customers.iter().all(|c| !a_ids.contains(&c.customer_id)));

    let mut client = server.customers(Some(a_token));
    for c in &b_customers {
        let err = client
            .get_customer(pb::GetCustomerRequest {
                customer_id: c.customer_id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert!(!err.message().contains(&c.name));
        let err = client
            .list_subscriptions(pb::ListSubscriptionsRequest {
                customer_id: c.customer_id.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
    }
    // An id nobody has answers the same way.
    let err = client
        .get_customer(pb::GetCustomerRequest {
            customer_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn roles_decide_what_a_caller_may_read() {
    let server = TestServer::start().await;
    for (upn, allowed) in [
        (GLOBAL_ADMIN, true),
        (USER_MANAGEMENT_ADMIN, true),
        (ADMIN_AGENT, true),
        (SALES_AGENT, true),
        (HELPDESK_AGENT, true),
        (BILLING_ADMIN, false),
        (NO_ROLE, false),
    ] {
        let token = server.token(upn).await;
        let result = server
            .customers(Some(token.clone()))
            .list_customers(pb::ListCustomersRequest::default())
            .await;
        match allowed {
            true => assert!(result.is_ok(), "{upn}"),
            false => {
                let err = result.unwrap_err();
                assert_eq!(err.code(), Code::PermissionDenied, "{upn}");
                let info = err.get_details_error_info().expect("ErrorInfo");
                assert_eq!(
                    info.metadata["permission"],
                    "PERMISSION_VIEW_CATALOG_AND_CUSTOMERS"
                );
            }
        }
        let offers = server
            .offers(Some(token.clone()))
            .list_offers(pb::ListOffersRequest::default())
            .await;
        assert_eq!(offers.is_ok(), allowed, "{upn} ListOffers");
        // Everyone may ask who they are.
        let me = server
            .roles(Some(token))
            .get_caller(pb::GetCallerRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(me.user_principal_name, upn);
        assert_eq!(me.partner_name, "Contoso CSP");
    }
}

#[tokio::test]
async fn get_caller_reports_roles_and_permissions() {
    let server = TestServer::start().await;
    let me = server
        .roles(Some(server.token(BILLING_ADMIN).await))
        .get_caller(pb::GetCallerRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.roles, vec![pb::PartnerRole::BillingAdmin as i32]);
    let perms: HashSet<_> = me.permissions.into_iter().collect();
    assert_eq!(
        perms,
        HashSet::from([
            pb::Permission::ViewUpgradeOrders as i32,
            pb::Permission::ResolveCreditChecks as i32
        ])
    );
}

#[tokio::test]
async fn app_tokens_read_their_partners_data() {
    let server = TestServer::start().await;
    let me = server
        .roles(Some(server.token(GLOBAL_ADMIN).await))
        .get_caller(pb::GetCallerRequest {})
        .await
        .unwrap()
        .into_inner();
    let app = server.app_token("reseller-automation", &me.partner_id);
    let caller = server
        .roles(Some(app.clone()))
        .get_caller(pb::GetCallerRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(caller.app_id, "reseller-automation");
    assert!(caller.user_id.is_empty());
    let via_app = all_customers(&server, &app, 100).await;
    let via_user = all_customers(&server, &server.token(GLOBAL_ADMIN).await, 100).await;
    assert_eq!(via_app, via_user);
}

#[tokio::test]
async fn bad_credentials_are_unauthenticated() {
    let server = TestServer::start().await;
    let good = server.token(GLOBAL_ADMIN).await;
    let me = server
        .roles(Some(good))
        .get_caller(pb::GetCallerRequest {})
        .await
        .unwrap()
        .into_inner();

    let mut expired = server.claims(&me.user_id, &me.partner_id);
    expired.exp = chrono::Utc::now().timestamp() - 3600;
    let other_key = csp_upgrades::auth::jwt::TokenVerifier::dev(b"another key", ISSUER, AUDIENCE)
        .mint_dev(&server.claims(&me.user_id, &me.partner_id))
        .unwrap();
    let unknown_partner =
        server.sign(&server.claims(&me.user_id, &uuid::Uuid::new_v4().to_string()));
    let unknown_user =
        server.sign(&server.claims(&uuid::Uuid::new_v4().to_string(), &me.partner_id));

    for (what, token) in [
        ("no token", None),
        ("garbage", Some("not-a-jwt".to_string())),
        ("expired", Some(server.sign(&expired))),
        ("signed with another key", Some(other_key)),
        ("unknown partner", Some(unknown_partner)),
        ("unknown user", Some(unknown_user)),
    ] {
        let err = server
            .customers(token)
            .list_customers(pb::ListCustomersRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{what}: {err:?}");
    }
}

#[tokio::test]
async fn malformed_ids_are_invalid_arguments_naming_the_field() {
    let server = TestServer::start().await;
    let mut client = server.customers(Some(server.token(ADMIN_AGENT).await));
    let err = client
        .get_customer(pb::GetCustomerRequest {
            customer_id: "not-a-uuid".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let bad = err.get_details_bad_request().expect("BadRequest detail");
    assert_eq!(bad.field_violations[0].field, "customer_id");

    let err = client
        .list_subscriptions(pb::ListSubscriptionsRequest {
            customer_id: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_bad_request().unwrap().field_violations[0].field,
        "customer_id"
    );

    let err = client
        .list_customers(pb::ListCustomersRequest {
            page_size: 5,
            page_token: "forged".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_bad_request().unwrap().field_violations[0].field,
        "page_token"
    );

    let mut offers = server.offers(Some(server.token(ADMIN_AGENT).await));
    let err = offers
        .get_offer(pb::GetOfferRequest {
            offer_id: "Not An Offer".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let err = offers
        .get_offer(pb::GetOfferRequest {
            offer_id: "no-such-offer".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn get_offer_includes_upgrade_paths() {
    let server = TestServer::start().await;
    let offer = server
        .offers(Some(server.token(SALES_AGENT).await))
        .get_offer(pb::GetOfferRequest {
            offer_id: "m365-business-basic".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut targets: Vec<_> = offer
        .upgrade_paths
        .iter()
        .map(|p| p.target_offer_id.as_str())
        .collect();
    targets.sort();
    assert_eq!(
        targets,
        ["m365-business-standard", "o365-e1", "o365-e3", "o365-e5"]
    );
    assert_eq!(offer.max_seats, 300);
    assert!(
        offer
            .services
            .iter()
            .any(|s| s.service_id == "exchange" && s.data_related)
    );
}

#[tokio::test]
async fn reflection_lists_the_services_in_both_versions() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let server = TestServer::start().await;
    let mut client = ServerReflectionClient::new(server.channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let reply = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
        panic!("unexpected reply {reply:?}");
    };
    let names: HashSet<_> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "csp.v1.CustomerService",
        "csp.v1.OfferService",
        "csp.v1.PartnerRoleService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ] {
        assert!(
            names.contains(expected),
            "{expected} missing from {names:?}"
        );
    }

    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient as AlphaClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest as AlphaRequest;
    let mut alpha = AlphaClient::new(server.channel.clone());
    let request = tonic_reflection::pb::v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(AlphaRequest::ListServices(String::new())),
    };
    let mut stream = alpha
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    assert!(stream.message().await.unwrap().is_some());
}
