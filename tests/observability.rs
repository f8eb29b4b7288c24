//! Issue 7 through the real binary: `/metrics` moves with the calls, the
//! caller's `traceparent` and ids reach the JSON logs and come back in the
//! response, spans go to an OTLP collector, and CORS answers browsers for
//! gRPC-web. Runs on SQLite, or on Postgres with TEST_DATABASE_URL.

#[path = "observability/binary.rs"]
mod binary;
#[path = "observability/collector.rs"]
mod collector;
mod common;
#[path = "observability/scrape.rs"]
mod scrape;

use binary::{Binary, http};
use collector::Collector;
use csp_upgrades::grpc::pb;
use pb::customer_service_client::CustomerServiceClient;
use pb::upgrade_service_client::UpgradeServiceClient;
use scrape::Scrape;
use serde_json::Value;
use tonic::Code;
use tonic::metadata::MetadataMap;

const GLOBAL_ADMIN: &str = "ga@contoso-csp.example";
const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const FOURTH_COFFEE: &str = "30000000-0000-4000-8000-000000000002";
/// Fourth Coffee's Business Basic: CONFLICTING_SERVICES towards three targets.
const FOURTH_COFFEE_BASIC: &str = "40000000-0000-4000-8000-000000000201";
const UNKNOWN_CUSTOMER: &str = "30000000-0000-4000-8000-0000000000ff";

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

/// A request carrying `metadata` (name, value) pairs.
fn request<T>(message: T, metadata: &[(&'static str, String)]) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    for (name, value) in metadata {
        request
            .metadata_mut()
            .insert(*name, value.parse().expect("ASCII metadata"));
    }
    request
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

fn list_customers() -> pb::ListCustomersRequest {
    pb::ListCustomersRequest {
        page_size: 10,
        page_token: String::new(),
        ..Default::default()
    }
}

fn meta<'a>(metadata: &'a MetadataMap, key: &str) -> &'a str {
    metadata
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {metadata:?}"))
        .to_str()
        .unwrap()
}

/// The `call finished` line of the call whose span has `field` = `value`.
async fn finished_line(server: &Binary, field: &str, value: &str) -> Value {
    let what = format!("'call finished' with span.{field} = {value}");
    server
        .wait_log(&what, |l| {
            l["message"] == "call finished" && l["span"][field].as_str() == Some(value)
        })
        .await
}

#[tokio::test]
async fn metrics_count_calls_by_method_and_code_and_eligibility_reasons() {
    let server = Binary::start(&[]).await;
    let token = server.token(GLOBAL_ADMIN);
    let mut customers = CustomerServiceClient::new(server.channel.clone());
    let mut upgrades = UpgradeServiceClient::new(server.channel.clone());
    let list = [
        ("grpc_service", "csp.v1.CustomerService"),
        ("grpc_method", "ListCustomers"),
    ];
    let with_code = |code| [list[0], list[1], ("grpc_code", code)];

    let before = Scrape::take(server.metrics).await;
    for _ in 0..3 {
        customers
            .list_customers(request(list_customers(), &[bearer(&token)]))
            .await
            .unwrap();
    }
    // Refused by the auth layer before any handler: the status travels in
    // the response headers ("trailers-only").
    let refused = customers
        .list_customers(request(list_customers(), &[]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let answer = upgrades
        .check_upgrade_eligibility(request(
            pb::CheckUpgradeEligibilityRequest {
                customer_id: FOURTH_COFFEE.into(),
                subscription_id: FOURTH_COFFEE_BASIC.into(),
                target_offer_id: String::new(),
                as_of: 0,
            },
            &[bearer(&token)],
        ))
        .await
        .unwrap()
        .into_inner();
    let conflicting = pb::ReasonCode::ConflictingServices as i32;
    let blocked = answer
        .targets
        .iter()
        .filter(|t| t.reasons.iter().any(|r| r.code == conflicting))
        .count();
    assert!(
        blocked > 1,
        "the demo case gives CONFLICTING_SERVICES on several targets"
    );
    let after = Scrape::take(server.metrics).await;

    let handled = "grpc_server_handled_total";
    let delta = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    assert_eq!(delta(handled, &with_code("OK")), 3.0, "{}", after.text);
    assert_eq!(delta(handled, &with_code("Unauthenticated")), 1.0);
    assert_eq!(
        delta(
            handled,
            &[
                ("grpc_method", "CheckUpgradeEligibility"),
                ("grpc_code", "OK")
            ]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "csp_eligibility_reasons_total",
            &[("code", "CONFLICTING_SERVICES")]
        ),
        1.0,
        "one check, counted once for the code however many targets it blocks"
    );
    assert_eq!(
        delta(
            "csp_eligibility_reasons_total",
            &[("code", "TARGET_ALREADY_OWNED")]
        ),
        0.0
    );
    // Every call is timed, refused ones too; none is left under way.
    let all_calls = [list[0], list[1], ("le", "+Inf")];
    assert_eq!(
        delta("grpc_server_handling_seconds_bucket", &all_calls),
        4.0
    );
    assert_eq!(after.value("grpc_server_in_flight", &list), 0.0);
    // The readiness polling of the harness is counted under its own name.
    assert!(after.value(handled, &[("grpc_service", "grpc.health.v1.Health")]) >= 1.0);
    let pool = after.value("csp_db_pool_connections", &[("state", "idle")])
        + after.value("csp_db_pool_connections", &[("state", "active")]);
    assert!(pool >= 1.0, "{}", after.text);
    assert!(
        after
            .text
            .contains("# TYPE grpc_server_handling_seconds histogram")
    );
    assert!(after.has("grpc_server_handling_seconds_sum"));
}

#[tokio::test]
async fn traceparent_and_request_ids_reach_the_json_logs_and_come_back() {
    let server = Binary::start(&[]).await;
    let token = server.token(GLOBAL_ADMIN);
    let mut customers = CustomerServiceClient::new(server.channel.clone());

    let traced = customers
        .list_subscriptions(request(
            pb::ListSubscriptionsRequest {
                customer_id: NORTHWIND.into(),
                page_size: 10,
                page_token: String::new(),
                ..Default::default()
            },
            &[
                bearer(&token),
                ("traceparent", format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01")),
                ("x-request-id", "obs-request-1".into()),
                ("x-correlation-id", "obs-flow-1".into()),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(meta(traced.metadata(), "x-request-id"), "obs-request-1");
    assert_eq!(meta(traced.metadata(), "x-correlation-id"), "obs-flow-1");
    let line = finished_line(&server, "trace_id", TRACE_ID).await;
    let span = &line["span"];
    assert_eq!(span["request_id"], "obs-request-1");
    assert_eq!(span["correlation_id"], "obs-flow-1");
    assert_eq!(span["rpc.method"], "ListSubscriptions");
    assert_eq!(line["grpc.code"], "OK");
    let span_id = span["span_id"].as_str().unwrap();
    assert_eq!(span_id.len(), 16, "{line}");
    assert_ne!(span_id, CALLER_SPAN_ID, "the call has a span of its own");

    // A failed call (status in the headers) is logged and echoed the same way.
    let other_trace = "0af7651916cd43dd8448eb211c80319c";
    let failed = customers
        .get_customer(request(
            pb::GetCustomerRequest {
                customer_id: UNKNOWN_CUSTOMER.into(),
            },
            &[
                bearer(&token),
                (
                    "traceparent",
                    format!("00-{other_trace}-b7ad6b7169203331-01"),
                ),
                ("x-request-id", "obs-request-2".into()),
            ],
        ))
        .await
        .unwrap_err();
    assert_eq!(failed.code(), Code::NotFound);
    assert_eq!(meta(failed.metadata(), "x-request-id"), "obs-request-2");
    assert_eq!(
        meta(failed.metadata(), "x-correlation-id"),
        "obs-request-2",
        "no correlation id sent: the request id stands in"
    );
    let line = finished_line(&server, "trace_id", other_trace).await;
    assert_eq!(line["grpc.code"], "NotFound");
    assert_eq!(line["span"]["request_id"], "obs-request-2");

    // Nothing sent: a request id is made, and the call starts a trace.
    let bare = customers
        .list_customers(request(list_customers(), &[bearer(&token)]))
        .await
        .unwrap();
    let made = meta(bare.metadata(), "x-request-id").to_owned();
    assert!(uuid::Uuid::parse_str(&made).is_ok(), "{made}");
    assert_eq!(meta(bare.metadata(), "x-correlation-id"), made);
    let line = finished_line(&server, "request_id", &made).await;
    let trace_id = line["span"]["trace_id"].as_str().unwrap();
    assert_eq!(trace_id.len(), 32);
    assert_ne!(trace_id, TRACE_ID);
}

#[tokio::test]
async fn spans_go_to_the_otlp_collector_as_children_of_the_callers_span() {
    let (collector, addr) = Collector::start().await;
    let endpoint = format!("--otlp-endpoint=http://{addr}");
    let mut server = Binary::start(&[&endpoint]).await;
    let token = server.token(GLOBAL_ADMIN);
    let mut customers = CustomerServiceClient::new(server.channel.clone());
    customers
        .list_customers(request(
            list_customers(),
            &[
                bearer(&token),
                ("traceparent", format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01")),
            ],
        ))
        .await
        .unwrap();
    drop(customers);
    // Shutting down flushes the spans still batched.
    assert!(server.terminate().await.success());

    let spans = collector.spans();
    let span = spans
        .iter()
        .find(|s| hex(&s.trace_id) == TRACE_ID)
        .unwrap_or_else(|| panic!("no span of trace {TRACE_ID} among {spans:#?}"));
    assert_eq!(hex(&span.parent_span_id), CALLER_SPAN_ID);
    assert_eq!(span.name, "/csp.v1.CustomerService/ListCustomers");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn browsers_of_allowed_origins_may_call_through_grpc_web() {
    let app = "http://app.example:8080";
    let server = Binary::start(&[&format!("--cors-allowed-origins={app}")]).await;
    let path = "/csp.v1.CustomerService/ListCustomers";
    let preflight = |origin: &str| {
        format!(
            "OPTIONS {path} HTTP/1.1\r\nHost: localhost\r\nOrigin: {origin}\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: authorization,content-type,x-grpc-web,x-user-agent\r\n\
             Connection: close\r\n\r\n"
        )
    };
    let allowed = http(server.grpc, &preflight(app))
        .await
        .to_ascii_lowercase();
    assert!(allowed.starts_with("http/1.1 200"), "{allowed}");
    assert!(
        allowed.contains(&format!("access-control-allow-origin: {app}")),
        "{allowed}"
    );
    assert!(allowed.contains("authorization"), "{allowed}");
    let other = http(server.grpc, &preflight("http://elsewhere.example"))
        .await
        .to_ascii_lowercase();
    assert!(!other.contains("access-control-allow-origin"), "{other}");

    // A gRPC-web call over HTTP/1.1 (an empty request message, no token):
    // answered in gRPC-web with the status readable by the page's script.
    let call = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nOrigin: {app}\r\n\
         Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n\
         Content-Length: 5\r\nConnection: close\r\n\r\n\0\0\0\0\0"
    );
    let answer = http(server.grpc, &call).await.to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(
        answer.contains("content-type: application/grpc-web+proto"),
        "{answer}"
    );
    assert!(
        answer.contains("grpc-status: 16"),
        "UNAUTHENTICATED: {answer}"
    );
    assert!(
        answer.contains(&format!("access-control-allow-origin: {app}")),
        "{answer}"
    );
    let exposed = answer
        .lines()
        .find(|l| l.starts_with("access-control-expose-headers:"))
        .unwrap_or_else(|| panic!("{answer}"));
    for header in ["grpc-status", "grpc-message", "x-request-id"] {
        assert!(exposed.contains(header), "{exposed}");
    }
}
