//! The order RPCs of `csp.v1.UpgradeService` (SPEC §5). The writes are use
//! cases of `crate::app`, which decide inside the transaction that writes.

use std::pin::Pin;

use futures::Stream;
use tokio::sync::mpsc;
use tonic::{Request, Status};

use super::error::ApiError;
use super::order_convert::{self, refusal_error};
use super::{lang, pb, require, validate};
use crate::app::bus::customer_changed;
use crate::app::{Cancellation, Resolution, Submission};
use crate::auth;
use crate::domain::limits;
use crate::domain::model::{BillingCycle, UpgradeType};
use crate::domain::orders::{self, Decision, Schedule, UpgradeRequest};
use crate::domain::roles::{Caller, Permission};
use crate::domain::text::Text;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::storage::OrderFilter;

pub type WatchStream =
    Pin<Box<dyn Stream<Item = Result<pb::WatchUpgradeOrderResponse, Status>> + Send>>;

fn parse_upgrade_type(value: i32) -> Result<UpgradeType, ApiError> {
    match pb::UpgradeType::try_from(value) {
        Ok(pb::UpgradeType::WithLicenseTransfer) => Ok(UpgradeType::WithLicenseTransfer),
        Ok(pb::UpgradeType::UpgradeOnly) => Ok(UpgradeType::UpgradeOnly),
        _ => Err(ApiError::invalid(
            "upgrade_type",
            "must be WITH_LICENSE_TRANSFER or UPGRADE_ONLY",
        )),
    }
}

fn parse_billing_cycle(value: i32) -> Result<Option<BillingCycle>, ApiError> {
    match pb::BillingCycle::try_from(value) {
        Ok(pb::BillingCycle::Unspecified) => Ok(None),
        Ok(pb::BillingCycle::Monthly) => Ok(Some(BillingCycle::Monthly)),
        Ok(pb::BillingCycle::Annual) => Ok(Some(BillingCycle::Annual)),
        Err(_) => Err(ApiError::invalid("billing_cycle", "unknown billing cycle")),
    }
}

/// When an upgrade runs (or, for eligibility, as of when it is judged).
pub(super) fn parse_schedule(field: &'static str, value: i32) -> Result<Schedule, ApiError> {
    match pb::UpgradeSchedule::try_from(value) {
        Ok(pb::UpgradeSchedule::Unspecified | pb::UpgradeSchedule::Now) => Ok(Schedule::Now),
        Ok(pb::UpgradeSchedule::AtRenewal) => Ok(Schedule::AtRenewal),
        Err(_) => Err(ApiError::invalid(field, "must be NOW or AT_RENEWAL")),
    }
}

/// The fields Preview and Submit share, as sent.
struct Fields<'a> {
    customer_id: &'a str,
    subscription_id: &'a str,
    target_offer_id: &'a str,
    quantity: i64,
    upgrade_type: i32,
    billing_cycle: i32,
    partial: bool,
    user_ids: &'a [String],
    target_subscription_id: &'a str,
    schedule: i32,
}

/// The fields Preview and Submit share, validated at the edge.
fn upgrade_request(f: Fields<'_>) -> Result<UpgradeRequest, ApiError> {
    let upgrade_type = parse_upgrade_type(f.upgrade_type)?;
    let partial_with_transfer = f.partial && upgrade_type == UpgradeType::WithLicenseTransfer;
    Ok(UpgradeRequest {
        customer_id: validate::customer_id(f.customer_id)?,
        subscription_id: validate::subscription_id(f.subscription_id)?,
        target_offer_id: validate::offer_id("target_offer_id", f.target_offer_id)?,
        quantity: validate::quantity(f.quantity)?,
        upgrade_type,
        billing_cycle: parse_billing_cycle(f.billing_cycle)?,
        partial: f.partial,
        user_ids: validate::user_ids(f.user_ids, partial_with_transfer)?,
        into_subscription: validate::target_subscription_id(f.target_subscription_id)?,
        schedule: parse_schedule("schedule", f.schedule)?,
    })
}

pub async fn preview(
    state: &AppState,
    request: Request<pb::PreviewUpgradeRequest>,
) -> Result<pb::PreviewUpgradeResponse, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::ViewCatalogAndCustomers)?;
    let pb::PreviewUpgradeRequest {
        customer_id,
        subscription_id,
        target_offer_id,
        quantity,
        upgrade_type,
        billing_cycle,
        partial,
        user_ids,
        target_subscription_id,
        schedule,
    } = request.into_inner();
    let request = upgrade_request(Fields {
        customer_id: &customer_id,
        subscription_id: &subscription_id,
        target_offer_id: &target_offer_id,
        quantity,
        upgrade_type,
        billing_cycle,
        partial,
        user_ids: &user_ids,
        target_subscription_id: &target_subscription_id,
        schedule,
    })?;

    let app = state.app()?;
    let snapshot = app
        .store()
        .snapshot(caller.partner_id, request.customer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer", request.customer_id))?;
    let ctx = app.request_context(&caller, &request);
    let assessment = orders::assess(&ctx, &snapshot, &request).map_err(refusal_error)?;
    Ok(order_convert::preview(assessment, state.catalog(), lang))
}

pub async fn submit(
    state: &AppState,
    request: Request<pb::SubmitUpgradeRequest>,
) -> Result<pb::UpgradeOrder, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::SubmitUpgradeOrders)?;
    submit_one(state, &caller, lang, request.into_inner()).await
}

/// One upgrade, for a caller already allowed to submit: `SubmitUpgrade`.
pub async fn submit_one(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    request: pb::SubmitUpgradeRequest,
) -> Result<pb::UpgradeOrder, ApiError> {
    let (request, request_id) = submission(request)?;
    let submission = state.app()?.submit(caller, &request, request_id).await?;
    answer(submission, &request, lang)
}

/// The upgrade a `SubmitUpgradeRequest` asks for, and its idempotency key;
/// an error naming the field when it asks for none.
pub fn submission(
    request: pb::SubmitUpgradeRequest,
) -> Result<(UpgradeRequest, uuid::Uuid), ApiError> {
    let pb::SubmitUpgradeRequest {
        request_id,
        customer_id,
        subscription_id,
        target_offer_id,
        quantity,
        upgrade_type,
        billing_cycle,
        partial,
        user_ids,
        target_subscription_id,
        schedule,
    } = request;
    let request_id = uuid::Uuid::parse_str(&request_id)
        .map_err(|_| ApiError::invalid("request_id", "must be a UUID chosen by the client"))?;
    let request = upgrade_request(Fields {
        customer_id: &customer_id,
        subscription_id: &subscription_id,
        target_offer_id: &target_offer_id,
        quantity,
        upgrade_type,
        billing_cycle,
        partial,
        user_ids: &user_ids,
        target_subscription_id: &target_subscription_id,
        schedule,
    })?;
    Ok((request, request_id))
}

/// `SubmitUpgrade`'s answer to how `request`'s submission ended.
pub fn answer(
    submission: Submission,
    request: &UpgradeRequest,
    lang: Lang,
) -> Result<pb::UpgradeOrder, ApiError> {
    match submission {
        Submission::Created(order) => Ok(order_convert::order(&order, lang)),
        Submission::Replayed(order) => Ok(order_convert::order(&order, lang)),
        Submission::KeyReused(_) => Err(ApiError::AlreadyExists {
            reason: pb::ErrorReason::RequestIdReused,
            message: "request_id was already used for a different request; use a new request_id"
                .into(),
        }
        .with_text(Text::new("refusal-request-id-reused"))),
        Submission::Refused(refusal) => Err(refusal_error(refusal)),
        Submission::CustomerNotFound => Err(ApiError::not_found("customer", request.customer_id)),
    }
}

pub async fn get(
    state: &AppState,
    request: Request<pb::GetUpgradeOrderRequest>,
) -> Result<pb::UpgradeOrder, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::ViewUpgradeOrders)?;
    let pb::GetUpgradeOrderRequest { order_id: id } = request.into_inner();
    let id = validate::order_id(&id)?;

    let order = state
        .store()?
        .order(caller.partner_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("order", id))?;
    Ok(order_convert::order(&order, lang))
}

pub async fn list(
    state: &AppState,
    request: Request<pb::ListUpgradeOrdersRequest>,
) -> Result<pb::ListUpgradeOrdersResponse, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::ViewUpgradeOrders)?;
    let pb::ListUpgradeOrdersRequest {
        customer_id,
        page_size,
        page_token,
        state: order_state,
    } = request.into_inner();
    let filter = OrderFilter {
        customer: match customer_id.as_str() {
            "" => None,
            id => Some(validate::customer_id(id)?),
        },
        state: order_convert::parse_state(order_state)?,
    };
    let page = validate::page(page_size, &page_token)?;

    let page = state
        .store()?
        .list_orders(caller.partner_id, &filter, &page)
        .await?
        .ok_or_else(|| ApiError::not_found("customer", customer_id))?;
    Ok(pb::ListUpgradeOrdersResponse {
        orders: page
            .items
            .iter()
            .map(|o| order_convert::order(o, lang))
            .collect(),
        next_page_token: page.next_page_token,
    })
}

pub async fn resolve_credit_check(
    state: &AppState,
    request: Request<pb::ResolveCreditCheckRequest>,
) -> Result<pb::UpgradeOrder, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::ResolveCreditChecks)?;
    let pb::ResolveCreditCheckRequest {
        order_id: id,
        decision,
        note,
    } = request.into_inner();
    let id = validate::order_id(&id)?;
    let decision = match pb::CreditDecision::try_from(decision) {
        Ok(pb::CreditDecision::Approve) => Decision::Approve,
        Ok(pb::CreditDecision::Reject) => Decision::Reject,
        _ => return Err(ApiError::invalid("decision", "must be APPROVE or REJECT")),
    };
    validate::text("note", &note, limits::MAX_NOTE_BYTES)?;

    let resolution = state
        .app()?
        .resolve_credit_check(&caller, id, decision, &note)
        .await?;
    match resolution {
        Resolution::Resolved(order) => Ok(order_convert::order(&order, lang)),
        Resolution::Refused(refusal) => Err(refusal_error(refusal)),
        Resolution::OrderNotFound => Err(ApiError::not_found("order", id)),
    }
}

/// Cancels a scheduled order (SPEC §9); allowed to whoever may submit.
pub async fn cancel(
    state: &AppState,
    request: Request<pb::CancelUpgradeOrderRequest>,
) -> Result<pb::UpgradeOrder, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::SubmitUpgradeOrders)?;
    let pb::CancelUpgradeOrderRequest { order_id: id, note } = request.into_inner();
    let id = validate::order_id(&id)?;
    validate::text("note", &note, limits::MAX_NOTE_BYTES)?;

    match state.app()?.cancel_order(&caller, id, &note).await? {
        Cancellation::Cancelled(order) => Ok(order_convert::order(&order, lang)),
        Cancellation::Refused(refusal) => Err(refusal_error(refusal)),
        Cancellation::OrderNotFound => Err(ApiError::not_found("order", id)),
    }
}

/// Streams the order's latest event at once, then every later event, and
/// ends after the event that puts the order in a final state.
pub async fn watch(
    state: &AppState,
    request: Request<pb::WatchUpgradeOrderRequest>,
) -> Result<WatchStream, ApiError> {
    let caller = auth::caller(&request)?;
    let lang = lang::of(&request);
    require(&caller, Permission::ViewUpgradeOrders)?;
    let pb::WatchUpgradeOrderRequest { order_id: id } = request.into_inner();
    let id = validate::order_id(&id)?;

    let app = state.app()?;
    let store = app.store().clone();
    // Subscribe before the first read, so no change falls between the two.
    let mut changes = app.bus().subscribe();
    let first = store
        .order(caller.partner_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("order", id))?;
    let (tx, rx) = mpsc::channel(8);
    // In the caller's language: an error sent on the stream is said in it.
    tokio::spawn(lang::scope(lang, async move {
        let mut order = first;
        let mut sent = order.events.len().saturating_sub(1);
        loop {
            for event in &order.events[sent..] {
                let update = pb::WatchUpgradeOrderResponse {
                    event: Some(order_convert::event(event)),
                    order: Some(order_convert::order(&order, lang)),
                };
                if tx.send(Ok(update)).await.is_err() {
                    return; // the client went away
                }
            }
            sent = order.events.len();
            if order.state.is_final() {
                return;
            }
            // Woken by the change bus: this replica's writes, and on
            // Postgres every other replica's, heard through LISTEN.
            tokio::select! {
                alive = customer_changed(&mut changes, order.customer_id) => if !alive { return },
                () = tx.closed() => return,
            }
            match store.order(caller.partner_id, id).await {
                Ok(Some(next)) => order = next,
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.send(Err(Status::from(ApiError::from(e)))).await;
                    return;
                }
            }
        }
    }));
    Ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx)))
}
