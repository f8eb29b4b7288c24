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
use crate::domain::model::{Subscription, SubscriptionStatus};
use crate::domain::roles::Permission;
use crate::grpc::error::ApiError;
use crate::state::AppState;
use crate::storage::{CustomerFilter, Page, SubscriptionFilter};

use super::subscription_list::SubscriptionList;

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

    /// Reads one page of the customer's subscriptions and only what their
    /// "Upgrade now" hint needs (`subscription_list.rs`).
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
        let after = match &page.after {
            None => None,
            Some(key) => Some(parse_subscription_key(key).ok_or(ApiError::invalid(
                "page_token",
                "not a page token issued by this service for this list",
            ))?),
        };
        let filter = SubscriptionFilter { status, offer };
        let list = SubscriptionList {
            state: &self.state,
            caller: &caller,
            customer: customer_id,
            filter: &filter,
            size: page.size,
            after,
        };
        let page = match upgrade_available {
            None => list.page().await?,
            Some(wanted) => list.page_by_hint(wanted).await?,
        };
        let catalog = self.state.catalog();
        let page = Page::from_rows(page, list.size, |(s, _, _)| subscription_key(s));
        Ok(Response::new(ListSubscriptionsResponse {
            subscriptions: page
                .items
                .iter()
                .map(|(s, available, scheduled)| {
                    convert::subscription(s, catalog, *available, scheduled.as_ref())
                })
                .collect(),
            next_page_token: page.next_page_token,
        }))
    }
}
