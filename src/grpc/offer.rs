//! `csp.v1.OfferService`: the catalog, served from memory.

use tonic::{Request, Response, Status};

use super::pb::offer_service_server::OfferService;
use super::pb::{GetOfferRequest, ListOffersRequest, ListOffersResponse, Offer};
use super::{convert, require, validate};
use crate::auth;
use crate::domain::roles::Permission;
use crate::grpc::error::ApiError;
use crate::state::AppState;
use crate::storage::Page;

pub struct OfferApi {
    state: AppState,
}

impl OfferApi {
    pub fn new(state: AppState) -> Self {
        OfferApi { state }
    }
}

#[tonic::async_trait]
impl OfferService for OfferApi {
    async fn list_offers(
        &self,
        request: Request<ListOffersRequest>,
    ) -> Result<Response<ListOffersResponse>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ViewCatalogAndCustomers)?;
        let ListOffersRequest {
            page_size,
            page_token,
        } = request.into_inner();
        let page = validate::page(page_size, &page_token)?;

        let catalog = self.state.catalog();
        let after = page.after.as_ref().map(|(id, _)| id.as_str());
        let rows: Vec<_> = catalog
            .offers()
            .filter(|o| after.is_none_or(|a| o.id.as_str() > a))
            .take(page.size as usize + 1)
            .collect();
        let page = Page::from_rows(rows, page.size, |o| (o.id.to_string(), String::new()));
        Ok(Response::new(ListOffersResponse {
            offers: page
                .items
                .iter()
                .map(|o| convert::offer(o, catalog, false))
                .collect(),
            next_page_token: page.next_page_token,
        }))
    }

    async fn get_offer(
        &self,
        request: Request<GetOfferRequest>,
    ) -> Result<Response<Offer>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ViewCatalogAndCustomers)?;
        let GetOfferRequest { offer_id } = request.into_inner();
        let offer_id = validate::offer_id("offer_id", &offer_id)?;

        let catalog = self.state.catalog();
        let offer = catalog
            .offer(&offer_id)
            .ok_or_else(|| ApiError::not_found("offer", &offer_id))?;
        Ok(Response::new(convert::offer(offer, catalog, true)))
    }
}
