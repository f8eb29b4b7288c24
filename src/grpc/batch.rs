//! `UpgradeService.SubmitUpgrades` (SPEC §10): many upgrades in one call,
//! each one exactly `SubmitUpgrade` on its own (the same checks, the same
//! all-or-nothing write per item, the same idempotency), answered item by
//! item. The use case (`App::submit_many`) writes the items set-wise where
//! the store can.

use prost::Message;
use tonic::{Request, Status};

use super::error::ApiError;
use super::{lang, orders, pb, require};
use crate::auth;
use crate::domain::roles::Permission;
use crate::state::AppState;

/// Most items in one call.
pub const MAX_ITEMS: usize = 1000;

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

    // Each item checked on its own: one that asks for nothing valid is
    // answered with its error, the others are submitted together (the use
    // case keeps one customer's items in order, SPEC §5).
    let mut answers: Vec<Option<Result<pb::UpgradeOrder, ApiError>>> = Vec::new();
    let (mut requests, mut ids, mut valid) = (Vec::new(), Vec::new(), Vec::new());
    for (i, item) in items.into_iter().enumerate() {
        ids.push(item.request_id.clone());
        match orders::submission(item) {
            Ok(request) => {
                answers.push(None);
                valid.push(i);
                requests.push(request);
            }
            Err(e) => answers.push(Some(Err(e))),
        }
    }
    let submitted = state.app()?.submit_many(&caller, &requests).await;
    for ((i, (request, _)), submitted) in valid.into_iter().zip(&requests).zip(submitted) {
        let answer = submitted
            .map_err(ApiError::from)
            .and_then(|submission| orders::answer(submission, request, lang));
        answers[i] = Some(answer);
    }
    Ok(pb::SubmitUpgradesResponse {
        results: ids
            .into_iter()
            .zip(answers.into_iter().flatten())
            .map(|(request_id, answer)| pb::SubmitUpgradeResult {
                request_id,
                result: Some(match answer {
                    Ok(order) => pb::submit_upgrade_result::Result::Order(Box::new(order)),
                    Err(e) => pb::submit_upgrade_result::Result::Error(rpc_status(e)),
                }),
            })
            .collect(),
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
