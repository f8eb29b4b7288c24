//! `UpgradeService.SubmitUpgrades` (SPEC §10): many upgrades in one call,
//! each one exactly `SubmitUpgrade` on its own (the same use case, the same
//! transaction per item, the same idempotency), answered item by item.

use std::collections::BTreeMap;

use futures::StreamExt;
use prost::Message;
use tonic::{Request, Status};

use super::error::ApiError;
use super::{lang, orders, pb, require, validate};
use crate::auth;
use crate::domain::roles::Permission;
use crate::state::AppState;

/// Most items in one call.
pub const MAX_ITEMS: usize = 1000;
/// Customers whose items run at the same time; one customer's items run one
/// after another in the request's order.
const CUSTOMERS_IN_FLIGHT: usize = 8;

pub async fn submit(
    state: &AppState,
    request: Request<pb::SubmitUpgradesRequest>,
) -> Result<pb::SubmitUpgradesResponse, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::SubmitUpgradeOrders)?;
    let items = request.into_inner().requests;
    // An empty batch has nothing to do and answers nothing.
    if items.len() > MAX_ITEMS {
        return Err(ApiError::invalid(
            "requests",
            format!(
                "a batch holds at most {MAX_ITEMS} items; got {}: split it into several calls",
                items.len()
            ),
        ));
    }

    // Items grouped by customer, each group in the request's order: the
    // second upgrade of a customer sees the first (SPEC §5). An item whose
    // customer id is not even an id is a group of its own (it fails alone).
    let mut groups: BTreeMap<Result<_, usize>, Vec<(usize, pb::SubmitUpgradeRequest)>> =
        BTreeMap::new();
    for (i, item) in items.into_iter().enumerate() {
        let key = validate::customer_id(&item.customer_id).map_err(|_| i);
        groups.entry(key).or_default().push((i, item));
    }
    let count = groups.values().map(Vec::len).sum();
    let caller = &caller;
    let mut results: Vec<Option<pb::SubmitUpgradeResult>> = vec![None; count];
    let mut done = futures::stream::iter(groups.into_values())
        .map(|group| async move {
            let mut out = Vec::with_capacity(group.len());
            for (i, item) in group {
                let request_id = item.request_id.clone();
                let result = match orders::submit_one(state, caller, lang, item).await {
                    Ok(order) => pb::submit_upgrade_result::Result::Order(Box::new(order)),
                    Err(e) => pb::submit_upgrade_result::Result::Error(rpc_status(e)),
                };
                out.push((
                    i,
                    pb::SubmitUpgradeResult {
                        request_id,
                        result: Some(result),
                    },
                ));
            }
            out
        })
        .buffer_unordered(CUSTOMERS_IN_FLIGHT);
    while let Some(group) = done.next().await {
        for (i, result) in group {
            results[i] = Some(result);
        }
    }
    Ok(pb::SubmitUpgradesResponse {
        results: results.into_iter().flatten().collect(),
    })
}

/// The `google.rpc.Status` the item's error would have been as the answer
/// of `SubmitUpgrade`: the same code, message and details.
fn rpc_status(e: ApiError) -> tonic_types::pb::Status {
    let status = Status::from(e);
    let mut rpc = tonic_types::pb::Status::decode(status.details()).unwrap_or_default();
    rpc.code = status.code() as i32;
    rpc.message = status.message().to_owned();
    rpc
}
