//! Tenant isolation on every RPC: each RPC of every `csp.v1` service (from
//! the descriptor set, so a new RPC is covered without editing this file) is
//! called by partner A's global admin with ids of other partners: every call
//! that names another partner's data answers NOT_FOUND or PERMISSION_DENIED,
//! exactly as an id that exists nowhere would, and no answer ever carries
//! another partner's ids or names. Runs on SQLite, or on Postgres with
//! TEST_DATABASE_URL.

mod common;

use std::collections::BTreeSet;

use common::dynamic::{self, Fill};
use common::server::*;
use csp_upgrades::domain::dataset::Dataset;
use csp_upgrades::grpc::pb;
use prost_reflect::MethodDescriptor;
use tonic::Code;
use uuid::Uuid;

/// The request fields that name a partner's own data.
const TENANT_ID_FIELDS: [&str; 4] = ["customer_id", "subscription_id", "user_id", "order_id"];

/// Contoso CSP (partner A): its demo ids.
fn contoso() -> Fill {
    Fill {
        customer_id: "30000000-0000-4000-8000-000000000001".into(),
        subscription_id: "40000000-0000-4000-8000-000000000101".into(),
        user_id: "20000000-0000-4000-8000-000000000107".into(),
        order_id: "60000000-0000-4000-8000-000000000003".into(),
        target_offer_id: "o365-e3".into(),
        role: "PARTNER_ROLE_SALES_AGENT",
    }
}

/// A third partner, imported here because the demo gives Fabrikam no order:
/// one of everything, ids fresh for this run.
struct Zeta {
    fill: Fill,
    names: Vec<String>,
}

async fn import_zeta(server: &TestServer) -> Zeta {
    let id = || Uuid::new_v4().to_string();
    let (partner, user, customer, subscription, customer_user, order) =
        (id(), id(), id(), id(), id(), id());
    let json = serde_json::json!({
        "partners": [{"id": partner, "name": "Zeta Resellers"}],
        "partner_users": [{"id": user, "partner_id": partner, "upn": "ga@zeta-resellers.example",
                           "display_name": "Zora Zetterlund", "roles": ["GLOBAL_ADMIN"]}],
        "customers": [{"id": customer, "partner_id": partner, "name": "Zeta Customer Holdings",
                       "country": "NL", "segment": "COMMERCIAL", "custom_domain": true,
                       "unpaid_balance": false,
                       "delegated_admin": {"status": "ACTIVE",
                                           "roles": ["DIRECTORY_READER", "LICENSE_ADMIN", "USER_ADMIN"]}}],
        "subscriptions": [{"id": subscription, "customer_id": customer, "offer_id": "m365-business-basic",
                           "channel": "THIS_PARTNER", "status": "ACTIVE", "provisioned": true,
                           "quantity": 10, "assigned_seats": 1, "billing_cycle": "ANNUAL",
                           "payment_method": "CREDIT_CARD", "trial": false,
                           "period_start": "2026-03-01T00:00:00Z", "period_end": "2027-03-01T00:00:00Z"}],
        "customer_users": [{"id": customer_user, "customer_id": customer, "upn": "zed@zeta-customer.example",
                            "display_name": "Zed Zimmermann",
                            "licenses": [{"subscription_id": subscription}]}],
        "orders": [{"id": order, "partner_id": partner, "customer_id": customer,
                    "source_subscription_id": subscription, "target_offer_id": "o365-e3",
                    "quantity": 10, "upgrade_type": "WITH_LICENSE_TRANSFER", "state": "IN_PROGRESS",
                    "submitted_by": user, "created_at": "2026-04-01T00:00:00Z"}]
    });
    let dataset = Dataset::from_json(&json.to_string())
        .unwrap()
        .validate(server.state.catalog())
        .unwrap();
    server.state.app().unwrap().import(&dataset).await.unwrap();
    let names = [
        partner.as_str(),
        &user,
        &customer,
        &subscription,
        &customer_user,
        &order,
        "Zeta Resellers",
        "ga@zeta-resellers.example",
        "Zora Zetterlund",
        "Zeta Customer Holdings",
        "zed@zeta-customer.example",
        "Zed Zimmermann",
    ]
    .map(str::to_owned)
    .to_vec();
    Zeta {
        fill: Fill {
            customer_id: customer,
            subscription_id: subscription,
            user_id: user,
            order_id: order,
            target_offer_id: "o365-e3".into(),
            role: "PARTNER_ROLE_SALES_AGENT",
        },
        names,
    }
}

/// What a partner's global admin sees of its own partner: ids, names, UPNs.
async fn seen_by(server: &TestServer, upn: &str) -> BTreeSet<String> {
    let token = server.token(upn).await;
    let mut out = BTreeSet::new();
    let me = server
        .roles(Some(token.clone()))
        .get_caller(pb::GetCallerRequest {})
        .await
        .unwrap()
        .into_inner();
    out.extend([me.partner_id, me.partner_name]);
    let users = server
        .roles(Some(token.clone()))
        .list_partner_users(pb::ListPartnerUsersRequest {
            page_size: 1000,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .users;
    for u in users {
        out.extend([u.user_id, u.user_principal_name, u.display_name]);
    }
    let mut customers = server.customers(Some(token));
    let list = customers
        .list_customers(pb::ListCustomersRequest {
            page_size: 1000,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .customers;
    for c in list {
        let subs = customers
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
        out.extend(subs.into_iter().map(|s| s.subscription_id));
        out.extend([c.customer_id, c.name]);
    }
    out
}

fn tenant_fields(method: &MethodDescriptor) -> Vec<&'static str> {
    TENANT_ID_FIELDS
        .into_iter()
        .filter(|f| method.input().get_field_by_name(f).is_some())
        .collect()
}

fn with_field(base: &Fill, field: &str, value: &str) -> Fill {
    let mut fill = base.clone();
    let slot = match field {
        "customer_id" => &mut fill.customer_id,
        "subscription_id" => &mut fill.subscription_id,
        "user_id" => &mut fill.user_id,
        "order_id" => &mut fill.order_id,
        other => panic!("not a tenant id field: {other}"),
    };
    *slot = value.to_owned();
    fill
}

fn id_of<'a>(fill: &'a Fill, field: &str) -> &'a str {
    match field {
        "customer_id" => &fill.customer_id,
        "subscription_id" => &fill.subscription_id,
        "user_id" => &fill.user_id,
        "order_id" => &fill.order_id,
        other => panic!("not a tenant id field: {other}"),
    }
}

fn leaks(text: &str, secrets: &BTreeSet<String>) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .cloned()
        .collect()
}

#[tokio::test]
async fn no_rpc_reaches_another_partners_data() {
    let server = TestServer::start().await;
    let zeta = import_zeta(&server).await;
    let token = server.token(GLOBAL_ADMIN).await;

    // Everything partners B (Fabrikam, from the demo) and C (Zeta) hold,
    // less what A sees of its own (names two partners may share).
    let mine = seen_by(&server, GLOBAL_ADMIN).await;
    let mut secrets = seen_by(&server, B_GLOBAL_ADMIN).await;
    secrets.extend(seen_by(&server, "ga@zeta-resellers.example").await);
    secrets.extend(zeta.names.iter().cloned());
    secrets.retain(|s| !mine.contains(s));
    for must in [
        "Fabrikam Partners",
        "Wide World Importers",
        &zeta.fill.order_id,
    ] {
        assert!(
            secrets.contains(must),
            "the other partners' data include {must}"
        );
    }

    let fabrikam = Fill {
        customer_id: "30000000-0000-4000-8000-000000000091".into(),
        subscription_id: "40000000-0000-4000-8000-000000009101".into(),
        user_id: "20000000-0000-4000-8000-000000000201".into(),
        // Fabrikam has no order: Zeta's stands in.
        order_id: zeta.fill.order_id.clone(),
        target_offer_id: "o365-e3".into(),
        role: "PARTNER_ROLE_SALES_AGENT",
    };
    let a = contoso();
    let methods = dynamic::methods();
    let mut failures = Vec::new();

    // First the RPCs that name no partner data: OK, and A's data only. They
    // go first because A's audit log records A's own attempts below at
    // B's user ids (as typed by A), which is A's data, not B's.
    let mut without_ids = 0;
    for method in methods.iter().filter(|m| tenant_fields(m).is_empty()) {
        let rpc = dynamic::full_name(method);
        let answer = call(&server, &token, method, &a).await;
        without_ids += 1;
        if answer.code() != Code::Ok {
            failures.push(format!("{rpc}: expected OK, got {:?}", answer.status));
        }
        let leaked = leaks(&answer.text(), &secrets);
        if !leaked.is_empty() {
            failures.push(format!("{rpc}: answer carries {leaked:?}"));
        }
    }
    assert!(
        without_ids >= 4,
        "ListCustomers, ListOffers, GetCaller, ..."
    );

    // Then every RPC that names partner data: all of B's ids at once, and
    // each of B's ids alone among A's own.
    let mut with_ids = 0;
    for method in methods.iter().filter(|m| !tenant_fields(m).is_empty()) {
        let rpc = dynamic::full_name(method);
        let fields = tenant_fields(method);
        let mut cases: Vec<(String, Fill, Option<&str>)> = vec![
            ("all Fabrikam ids".into(), fabrikam.clone(), None),
            ("all Zeta ids".into(), zeta.fill.clone(), None),
        ];
        for b in [&fabrikam, &zeta.fill] {
            for f in &fields {
                let fill = with_field(&a, f, id_of(b, f));
                cases.push((format!("{f} of another partner"), fill, Some(f)));
            }
        }
        for (case, fill, field) in cases {
            with_ids += 1;
            let answer = call(&server, &token, method, &fill).await;
            let leaked = leaks(&answer.text(), &secrets);
            if !leaked.is_empty() {
                failures.push(format!("{rpc} ({case}): answer carries {leaked:?}"));
            }
            if !matches!(answer.code(), Code::NotFound | Code::PermissionDenied) {
                failures.push(format!(
                    "{rpc} ({case}): expected NOT_FOUND or PERMISSION_DENIED, got {:?}",
                    answer.status
                ));
                continue;
            }
            // Another partner's id answers as an id that exists nowhere.
            if let Some(f) = field {
                let nowhere = Uuid::new_v4().to_string();
                let other = call(&server, &token, method, &with_field(&a, f, &nowhere)).await;
                let message = |ans: &dynamic::Answer, id: &str| {
                    ans.status
                        .as_ref()
                        .err()
                        .map(|s| s.message().replace(id, "<id>"))
                };
                if other.code() != answer.code()
                    || message(&other, &nowhere) != message(&answer, id_of(&fill, f))
                {
                    failures.push(format!(
                        "{rpc} ({case}): answers {:?}, an unknown {f} {:?}",
                        answer.status, other.status
                    ));
                }
            }
        }
    }
    assert!(
        with_ids >= 10,
        "GetCustomer, ListSubscriptions, GrantRole, ..."
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn call(
    server: &TestServer,
    token: &str,
    method: &MethodDescriptor,
    fill: &Fill,
) -> dynamic::Answer {
    let request = dynamic::request(method, fill);
    dynamic::call(&server.channel, Some(token), method, request).await
}
