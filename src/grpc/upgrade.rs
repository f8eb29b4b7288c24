//! `csp.v1.UpgradeService`: "Upgrade now" eligibility here; the order RPCs
//! are in `orders.rs`.

use tonic::{Request, Response, Status};

use super::pb::upgrade_service_server::UpgradeService;
use super::pb::{CheckUpgradeEligibilityRequest, CheckUpgradeEligibilityResponse};
use super::reason_convert::{bounded_text, reason, subscription};
use super::{batch, convert, eligibility_stream, lang, orders, pb, require, validate};
use crate::auth;
use crate::domain::catalog::Catalog;
use crate::domain::eligibility::{
    self, Eligibility, EligibilityError, ManualPath, TargetEligibility,
};
use crate::domain::orders::Schedule;
use crate::domain::roles::Permission;
use crate::domain::text::Text;
use crate::grpc::error::ApiError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::telemetry::metrics;

pub struct UpgradeApi {
    state: AppState,
}

impl UpgradeApi {
    pub fn new(state: AppState) -> Self {
        UpgradeApi { state }
    }
}

impl From<EligibilityError> for ApiError {
    fn from(e: EligibilityError) -> Self {
        match &e {
            EligibilityError::SubscriptionNotFound(id) => ApiError::not_found("subscription", id),
            // The offer is a reference in the request, not the resource the
            // call addresses: a bad argument, naming the field.
            EligibilityError::UnknownTargetOffer(id) => ApiError::invalid_because(
                pb::ErrorReason::UnknownTargetOffer,
                "target_offer_id",
                format!("{id} is not an offer of the catalog"),
            )
            .with_text(Text::new("error-unknown-offer").arg("offer", id.to_string())),
            EligibilityError::SourceOfferNotInCatalog { .. } => ApiError::Internal(e.to_string()),
        }
    }
}

#[tonic::async_trait]
impl UpgradeService for UpgradeApi {
    type WatchUpgradeOrderStream = orders::WatchStream;
    type StreamEligibilityStream = eligibility_stream::EligibilityStream;

    async fn stream_eligibility(
        &self,
        request: Request<pb::StreamEligibilityRequest>,
    ) -> Result<Response<Self::StreamEligibilityStream>, Status> {
        Ok(Response::new(
            eligibility_stream::stream(&self.state, request).await?,
        ))
    }

    async fn submit_upgrades(
        &self,
        request: Request<pb::SubmitUpgradesRequest>,
    ) -> Result<Response<pb::SubmitUpgradesResponse>, Status> {
        Ok(Response::new(batch::submit(&self.state, request).await?))
    }

    async fn preview_upgrade(
        &self,
        request: Request<pb::PreviewUpgradeRequest>,
    ) -> Result<Response<pb::PreviewUpgradeResponse>, Status> {
        Ok(Response::new(orders::preview(&self.state, request).await?))
    }

    async fn submit_upgrade(
        &self,
        request: Request<pb::SubmitUpgradeRequest>,
    ) -> Result<Response<pb::UpgradeOrder>, Status> {
        Ok(Response::new(orders::submit(&self.state, request).await?))
    }

    async fn get_upgrade_order(
        &self,
        request: Request<pb::GetUpgradeOrderRequest>,
    ) -> Result<Response<pb::UpgradeOrder>, Status> {
        Ok(Response::new(orders::get(&self.state, request).await?))
    }

    async fn list_upgrade_orders(
        &self,
        request: Request<pb::ListUpgradeOrdersRequest>,
    ) -> Result<Response<pb::ListUpgradeOrdersResponse>, Status> {
        Ok(Response::new(orders::list(&self.state, request).await?))
    }

    async fn watch_upgrade_order(
        &self,
        request: Request<pb::WatchUpgradeOrderRequest>,
    ) -> Result<Response<Self::WatchUpgradeOrderStream>, Status> {
        Ok(Response::new(orders::watch(&self.state, request).await?))
    }

    async fn resolve_credit_check(
        &self,
        request: Request<pb::ResolveCreditCheckRequest>,
    ) -> Result<Response<pb::UpgradeOrder>, Status> {
        Ok(Response::new(
            orders::resolve_credit_check(&self.state, request).await?,
        ))
    }

    async fn cancel_upgrade_order(
        &self,
        request: Request<pb::CancelUpgradeOrderRequest>,
    ) -> Result<Response<pb::UpgradeOrder>, Status> {
        Ok(Response::new(orders::cancel(&self.state, request).await?))
    }

    async fn check_upgrade_eligibility(
        &self,
        request: Request<CheckUpgradeEligibilityRequest>,
    ) -> Result<Response<CheckUpgradeEligibilityResponse>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ViewCatalogAndCustomers)?;
        let lang = lang::of(&request);
        let CheckUpgradeEligibilityRequest {
            customer_id,
            subscription_id,
            target_offer_id,
            as_of,
        } = request.into_inner();
        let customer_id = validate::customer_id(&customer_id)?;
        let subscription_id = validate::subscription_id(&subscription_id)?;
        let as_of = orders::parse_schedule("as_of", as_of)?;
        let target = match target_offer_id.as_str() {
            "" => None,
            id => Some(validate::offer_id("target_offer_id", id)?),
        };

        let snapshot = self
            .state
            .store()?
            .snapshot(caller.partner_id, customer_id)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", customer_id))?;
        let lookups = self.state.lookups(&snapshot);
        // SPEC §9: as of the source's period end, what a scheduled upgrade
        // is judged against.
        let as_of = match as_of {
            Schedule::Now => None,
            Schedule::AtRenewal => snapshot
                .subscriptions
                .iter()
                .find(|s| s.id == subscription_id)
                .map(|s| s.period_end),
        };
        let answer = eligibility::check_with(
            self.state.catalog(),
            &snapshot,
            &lookups,
            &caller,
            as_of.unwrap_or_else(|| self.state.clock().now()),
            subscription_id,
            target.as_ref(),
        )
        .map_err(ApiError::from)?;
        count_reasons(&answer);
        Ok(Response::new(response(
            customer_id.to_string(),
            answer,
            as_of,
            &self.state,
            lang,
        )))
    }
}

/// One count per reason code in the answer: a check counts once for a code
/// however many targets it blocks (source reasons are repeated in every
/// target's reasons), so the metric reads "checks that met this reason".
fn count_reasons(answer: &Eligibility) {
    let target_reasons = answer.targets.iter().flat_map(|t| &t.reasons);
    let codes: std::collections::BTreeSet<&'static str> = answer
        .source_reasons
        .iter()
        .chain(target_reasons)
        .map(|r| r.code.as_str())
        .collect();
    for code in codes {
        metrics::eligibility_reason(code);
    }
}

/// The answer of `CheckUpgradeEligibility` (and of the stream's FULL view).
pub(super) fn response(
    customer_id: String,
    e: Eligibility,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    state: &AppState,
    lang: Lang,
) -> CheckUpgradeEligibilityResponse {
    let Eligibility {
        source,
        source_reasons,
        targets,
    } = e;
    CheckUpgradeEligibilityResponse {
        as_of_time: as_of.map(super::convert::timestamp),
        customer_id,
        subscription_id: source.id.to_string(),
        source_offer_id: source.offer_id.to_string(),
        targets: targets
            .into_iter()
            .map(|t| target(t, state.catalog(), lang))
            .collect(),
        source_reasons: source_reasons
            .into_iter()
            .map(|r| reason(&r, lang))
            .collect(),
    }
}

/// One target's answer, its texts said in `lang`.
pub fn target(t: TargetEligibility, catalog: &Catalog, lang: Lang) -> pb::TargetEligibility {
    let TargetEligibility {
        target,
        in_matrix,
        eligible,
        upgrade_types,
        min_quantity,
        max_quantity,
        reasons,
        dropped_add_ons,
        carried_add_ons,
        manual_path,
        caller_upgrade_types: _,
        partial_eligible,
        partial_max_quantity,
        receivers,
    } = t;
    pb::TargetEligibility {
        target_offer_name: catalog
            .offer(&target)
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        target_offer_id: target.to_string(),
        eligible,
        allowed_upgrade_types: upgrade_types
            .into_iter()
            .map(convert::upgrade_type)
            .collect(),
        min_quantity,
        max_quantity,
        reasons: reasons.iter().map(|r| reason(r, lang)).collect(),
        dropped_add_ons: dropped_add_ons.iter().map(subscription).collect(),
        carried_add_ons: carried_add_ons.iter().map(subscription).collect(),
        manual_path: manual_path.map(|m| manual(m, lang)),
        in_matrix,
        partial_eligible,
        partial_max_quantity,
        receiving_subscriptions: receivers
            .into_iter()
            .map(|r| pb::ReceivingSubscription {
                subscription_id: r.subscription.id.to_string(),
                quantity: r.quantity,
                billing_cycle: convert::billing_cycle(r.billing_cycle),
                period_end_time: Some(convert::timestamp(r.period_end)),
                max_added_quantity: r.max_added_quantity,
            })
            .collect(),
    }
}

fn manual(m: ManualPath, lang: Lang) -> pb::ManualPath {
    let ManualPath {
        licenses_to_buy,
        users_to_reassign,
        backup_data_first,
        one_way,
        steps,
    } = m;
    pb::ManualPath {
        licenses_to_buy,
        users_to_reassign,
        backup_data_first,
        one_way,
        steps: steps.iter().map(|s| bounded_text(lang.render(s))).collect(),
    }
}
