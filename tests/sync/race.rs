//! Syncs and submissions of the same customer at once: they never
//! interleave, so every order and every sync reads what the one before it
//! left.

use std::collections::BTreeSet;

use csp_upgrades::grpc::pb;
use serde_json::json;

use crate::common::server::*;
use crate::export::*;

/// Upgrades Northwind's Business Basic to E3, moving its users.
pub fn submit() -> pb::SubmitUpgradeRequest {
    pb::SubmitUpgradeRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        customer_id: NORTHWIND.into(),
        subscription_id: NORTHWIND_BASIC.into(),
        target_offer_id: "o365-e3".into(),
        quantity: 12,
        upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
        billing_cycle: 0,
        ..Default::default()
    }
}

const ROUNDS: usize = 8;

#[tokio::test]
async fn syncs_and_submissions_of_one_customer_never_interleave() {
    let server = crate::start().await;
    let token = server.token(ADMIN_AGENT).await;
    // Two exports that both hold the source active, differing in its seats.
    let a = export();
    let mut b = export();
    record(&mut b, "subscriptions", NORTHWIND_BASIC)["quantity"] = json!(11);

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..ROUNDS {
        let mut upgrades = server.upgrades(Some(token.clone()));
        tasks.spawn(async move {
            let created = upgrades.submit_upgrade(submit()).await.ok();
            (created.map(|o| o.into_inner()), None)
        });
        let file = if i % 2 == 0 { a.clone() } else { b.clone() };
        let state = server.state.clone();
        tasks.spawn(async move {
            let report = crate::export::sync_with(&state, &file).await;
            (None, Some(report))
        });
    }
    let (mut orders, mut reports) = (Vec::new(), Vec::new());
    while let Some(done) = tasks.join_next().await {
        let (order, report) = done.unwrap();
        orders.extend(order);
        reports.extend(report);
    }
    assert!(
        !orders.is_empty(),
        "the first submission always finds the source active"
    );

    // A sync that set the source's status again undid an order's
    // cancellation; an order needs the source active. In a serial history
    // each order but the first follows its own restoring sync.
    let restoring = reports
        .iter()
        .filter(|r| {
            r.records.iter().any(|c| {
                c.id == NORTHWIND_BASIC && c.action == "UPDATE" && c.fields.contains(&"status")
            })
        })
        .count();
    assert!(
        orders.len() <= restoring + 1,
        "{} orders, {restoring} restoring syncs",
        orders.len()
    );
    assert!(
        restoring <= orders.len(),
        "{} orders, {restoring} restoring syncs",
        orders.len()
    );

    // No order lost, none invented; each reads with its subscriptions.
    let listed: BTreeSet<String> = server
        .upgrades(Some(token.clone()))
        .list_upgrade_orders(pb::ListUpgradeOrdersRequest {
            customer_id: NORTHWIND.into(),
            page_size: 1000,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .orders
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    let created: BTreeSet<String> = orders.iter().map(|o| o.order_id.clone()).collect();
    assert_eq!(listed, created);
    let subs = crate::subscriptions(&server, &token).await;
    let ids: BTreeSet<&str> = subs.iter().map(|s| s.subscription_id.as_str()).collect();
    for o in &orders {
        assert_eq!(o.source_subscription_id, NORTHWIND_BASIC);
        assert!(ids.contains(o.target_subscription_id.as_str()), "{o:?}");
    }
    // The last write was a sync (source active again, every target marked
    // deleted) or an order (source cancelled, its target live).
    let source = subs
        .iter()
        .find(|s| s.subscription_id == NORTHWIND_BASIC)
        .unwrap();
    let live_targets = subs
        .iter()
        .filter(|s| s.status == pb::SubscriptionStatus::Active as i32)
        .filter(|s| {
            orders
                .iter()
                .any(|o| o.target_subscription_id == s.subscription_id)
        })
        .count();
    let source_active = source.status == pb::SubscriptionStatus::Active as i32;
    assert_eq!(live_targets, usize::from(!source_active), "{subs:?}");
}
