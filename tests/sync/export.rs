//! Partner A's export, as the demo dataset has it, to edit per test; and
//! syncing it through the server's use case.

use csp_upgrades::app::{SyncOutcome, SyncRequest};
use csp_upgrades::domain::audit::Actor;
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::sync::{self, Report};
use csp_upgrades::state::AppState;
use serde_json::{Value, json};

use crate::common::server::TestServer;

pub const PARTNER_A: &str = "10000000-0000-4000-8000-000000000001";
pub const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
pub const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
pub const DAN: &str = "50000000-0000-4000-8000-000000000104";
pub const FABRIKAM_CUSTOMER: &str = "30000000-0000-4000-8000-000000000091";

/// Partner A's part of the demo dataset: what the service holds after the
/// demo load, so syncing it unchanged changes nothing.
pub fn export() -> Value {
    let mut d: Value =
        serde_json::from_str(csp_upgrades::startup::DEMO_DATASET).expect("demo parses");
    let customers: Vec<String> = list(&d, "customers")
        .iter()
        .filter(|c| c["partner_id"] == PARTNER_A)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let ours = |r: &Value, field: &str| customers.iter().any(|c| r[field] == c.as_str());
    let keep = |d: &mut Value, kind: &str, f: &dyn Fn(&Value) -> bool| {
        let kept: Vec<Value> = list(d, kind).iter().filter(|r| f(r)).cloned().collect();
        d[kind] = Value::Array(kept);
    };
    keep(&mut d, "partners", &|p| p["id"] == PARTNER_A);
    keep(&mut d, "partner_users", &|u| u["partner_id"] == PARTNER_A);
    keep(&mut d, "customers", &|c| ours(c, "id"));
    keep(&mut d, "subscriptions", &|s| ours(s, "customer_id"));
    keep(&mut d, "customer_users", &|u| ours(u, "customer_id"));
    d["orders"] = json!([]);
    d
}

pub fn list<'a>(d: &'a Value, kind: &str) -> &'a Vec<Value> {
    d[kind].as_array().expect("a list")
}

/// The record of `kind` with `id`, to edit.
pub fn record<'a>(d: &'a mut Value, kind: &str, id: &str) -> &'a mut Value {
    d[kind]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {kind} {id}"))
}

/// Removes a subscription and every license of it.
pub fn remove_subscription(d: &mut Value, id: &str) {
    d["subscriptions"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["id"] != id);
    for u in d["customer_users"].as_array_mut().unwrap() {
        u["licenses"]
            .as_array_mut()
            .unwrap()
            .retain(|l| l["subscription_id"] != id);
    }
}

/// A subscription of Northwind bought elsewhere.
pub fn bought_elsewhere(id: &str, offer: &str, channel: &str) -> Value {
    json!({
        "id": id, "customer_id": NORTHWIND, "offer_id": offer, "channel": channel,
        "status": "ACTIVE", "provisioned": true, "quantity": 5, "assigned_seats": 0,
        "billing_cycle": "MONTHLY", "payment_method": "INVOICE", "trial": false,
        "period_start": "2026-06-01T00:00:00Z", "period_end": "2026-12-01T00:00:00Z"
    })
}

/// Syncs `d` through the running server's use case.
pub async fn sync_file(server: &TestServer, d: &Value, dry_run: bool) -> SyncOutcome {
    sync_on(&server.state, d, dry_run).await
}

/// A real sync that must succeed.
pub async fn sync_with(state: &AppState, d: &Value) -> Report {
    match sync_on(state, d, false).await {
        SyncOutcome::Synced(report) => report,
        other => panic!("not synced: {other:?}"),
    }
}

async fn sync_on(state: &AppState, d: &Value, dry_run: bool) -> SyncOutcome {
    let catalog = Catalog::builtin().unwrap();
    let wanted = sync::read(&d.to_string(), &catalog, None).expect("a valid export");
    let request = SyncRequest {
        actor: Actor::App {
            app_id: "test".into(),
        },
        wanted,
        source: "test".into(),
        dry_run,
    };
    state.app().unwrap().sync(request).await.unwrap()
}

pub async fn synced(server: &TestServer, d: &Value, dry_run: bool) -> Report {
    match sync_file(server, d, dry_run).await {
        SyncOutcome::Synced(report) => report,
        other => panic!("not synced: {other:?}"),
    }
}
