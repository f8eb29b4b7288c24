//! `csp.v1.CustomerService`: the partner's customers and their subscriptions.

use chrono::{DateTime, SecondsFormat, Utc};
use tonic::{Request, Response, Status};

use super::pb::customer_service_server::CustomerService;
use super::pb::{
    Customer, GetCustomerRequest, ListCustomersRequest, ListCustomersResponse,
    ListSubscriptionsRequest, ListSubscriptionsResponse,
};
use super::{convert, pb, require, validate};
use crate::auth;
use crate::domain::eligibility;
use crate::domain::model::{OrderState, Subscription, SubscriptionStatus};
use crate::domain::roles::Permission;
use crate::grpc::error::ApiError;
use crate::state::AppState;
use crate::storage::{CustomerFilter, Page};

pub struct CustomerApi {
    state: AppState,
}

impl CustomerApi {
    pub fn new(state: AppState) -> Self {
        CustomerApi { state }
    }
}

/// The order subscriptions are listed in: (created_at, id), as page-token key.
fn subscription_key(s: &Subscription) -> (String, String) {
    (
        s.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        s.id.to_string(),
    )
}

fn parse_subscription_key((at, id): &(String, String)) -> Option<(DateTime<Utc>, uuid::Uuid)> {
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((at, uuid::Uuid::parse_str(id).ok()?))
}

#[tonic::async_trait]
impl CustomerService for CustomerApi {
    async fn list_customers(
        &self,
        request: Request<ListCustomersRequest>,
    ) -> Result<Response<ListCustomersResponse>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ViewCatalogAndCustomers)?;
        let ListCustomersRequest {
            page_size,
            page_token,
            name_prefix,
            country,
        } = request.into_inner();
        let page = validate::page(page_size, &page_token)?;
        validate::text("name_prefix", &name_prefix, 200)?;
        let is_country = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        if !country.is_empty() && !is_country {
            return Err(ApiError::invalid(
                "country",
                "must be an ISO 3166-1 alpha-2 code such as \"IN\"",
            )
            .into());
        }
        let filter = CustomerFilter {
            name_prefix: Some(name_prefix).filter(|p| !p.is_empty()),
            country: Some(country).filter(|c| !c.is_empty()),
        };

        let page = self
            .state
            .store()?
            .list_customers(caller.partner_id, &filter, &page)
            .await?;
        Ok(Response::new(ListCustomersResponse {
            customers: page.items.iter().map(convert::customer).collect(),
            next_page_token: page.next_page_token,
        }))
    }

    async fn get_customer(
        &self,
        request: Request<GetCustomerRequest>,
    ) -> Result<Response<Customer>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ViewCatalogAndCustomers)?;
        let GetCustomerRequest { customer_id } = request.into_inner();
        let customer_id = validate::customer_id(&customer_id)?;

        let customer = self
            .state
            .store()?
            .customer(caller.partner_id, customer_id)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", customer_id))?;
        Ok(Response::new(convert::customer(&customer)))
    }

    /// Loads the customer's snapshot once and computes the "Upgrade now" hint
    /// for the whole page from it, then pages in memory: the snapshot holds
    /// every subscription anyway, so a second query for the page would only
    /// read the same rows again.
    async fn list_subscriptions(
        &self,
        request: Request<ListSubscriptionsRequest>,
    ) -> Result<Response<ListSubscriptionsResponse>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ViewCatalogAndCustomers)?;
        let ListSubscriptionsRequest {
            customer_id,
            page_size,
            page_token,
            status,
            offer_id,
            upgrade_available,
        } = request.into_inner();
        let customer_id = validate::customer_id(&customer_id)?;
        let status = match pb::SubscriptionStatus::try_from(status) {
            Ok(pb::SubscriptionStatus::Unspecified) => None,
            Ok(s) => Some(
                s.as_str_name()
                    .strip_prefix("SUBSCRIPTION_STATUS_")
                    .and_then(SubscriptionStatus::parse)
                    .ok_or_else(|| {
                        ApiError::Internal(format!("proto status {s:?} has no domain status"))
                    })?,
            ),
            Err(_) => {
                return Err(ApiError::invalid("status", format!("unknown status {status}")).into());
            }
        };
        let offer = match offer_id.as_str() {
            "" => None,
            id => Some(validate::offer_id("offer_id", id)?),
        };
        let page = validate::page(page_size, &page_token)?;

        let snapshot = self
            .state
            .store()?
            .snapshot(caller.partner_id, customer_id)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", customer_id))?;
        let catalog = self.state.catalog();
        let lookups = self.state.lookups(&snapshot);
        let available = eligibility::upgrade_available_with(
            catalog,
            &snapshot,
            &lookups,
            &caller,
            self.state.clock().now(),
        );

        // Sort and filter on the native key; strings are made only for the
        // next page's token.
        let after = match &page.after {
            None => None,
            Some(key) => Some(parse_subscription_key(key).ok_or(ApiError::invalid(
                "page_token",
                "not a page token issued by this service for this list",
            ))?),
        };
        let mut rows: Vec<&Subscription> = snapshot
            .subscriptions
            .iter()
            .filter(|s| after.is_none_or(|a| (s.created_at, s.id.0) > a))
            .filter(|s| status.is_none_or(|st| s.status == st))
            .filter(|s| offer.as_ref().is_none_or(|o| s.offer_id == *o))
            .filter(|s| upgrade_available.is_none_or(|u| available.contains(&s.id) == u))
            .collect();
        rows.sort_unstable_by_key(|s| (s.created_at, s.id.0));
        rows.truncate(page.size as usize + 1);
        let page = Page::from_rows(rows, page.size, |s| subscription_key(s));
        Ok(Response::new(ListSubscriptionsResponse {
            subscriptions: page
                .items
                .iter()
                .map(|s| {
                    let scheduled = snapshot.open_orders.iter().find(|o| {
                        o.source_subscription_id == s.id && o.state == OrderState::Scheduled
                    });
                    convert::subscription(s, catalog, available.contains(&s.id), scheduled)
                })
                .collect(),
            next_page_token: page.next_page_token,
        }))
    }
}
