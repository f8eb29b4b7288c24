//! `csp.v1.PartnerRoleService`: who the caller is and what they may do.

use tonic::{Request, Response, Status};

use super::convert;
use super::pb::partner_role_service_server::PartnerRoleService;
use super::pb::{Caller, GetCallerRequest};
use crate::auth;
use crate::grpc::error::ApiError;
use crate::state::AppState;

pub struct PartnerRoleApi {
    state: AppState,
}

impl PartnerRoleApi {
    pub fn new(state: AppState) -> Self {
        PartnerRoleApi { state }
    }
}

#[tonic::async_trait]
impl PartnerRoleService for PartnerRoleApi {
    /// Needs no permission: every authenticated caller may see who they are
    /// (a user without roles learns that they have none).
    async fn get_caller(
        &self,
        request: Request<GetCallerRequest>,
    ) -> Result<Response<Caller>, Status> {
        let caller = auth::caller(&request)?;
        let GetCallerRequest {} = request.into_inner();

        let partner = self
            .state
            .store()?
            .partner(caller.partner_id)
            .await?
            .ok_or_else(|| ApiError::Unauthenticated("unknown partner".into()))?;
        Ok(Response::new(convert::caller(&caller, partner.name)))
    }
}
