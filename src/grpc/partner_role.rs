//! `csp.v1.PartnerRoleService`: who the caller is, the partner's staff and
//! their roles, and the audit log of role changes.
//!
//! Grant and revoke validate the request first (the audit record needs a
//! well-formed target and role; a malformed request is `INVALID_ARGUMENT`
//! and not audited), then hand the change to the use case
//! (`crate::app::roles`), which checks the caller's permission, applies it
//! under the partner's lock and audits every outcome.

use tonic::{Request, Response, Status};

use super::pb::partner_role_service_server::PartnerRoleService;
use super::pb::{
    Caller, GetCallerRequest, GrantRoleRequest, GrantRoleResponse, ListAuditRecordsRequest,
    ListAuditRecordsResponse, ListPartnerUsersRequest, ListPartnerUsersResponse, RevokeRoleRequest,
    RevokeRoleResponse,
};
use super::{convert, pb, require, role_convert, validate};
use crate::app::RoleChangeOutcome;
use crate::auth;
use crate::domain::audit::{RoleAction, RoleChange};
use crate::domain::ids::AuditRecordId;
use crate::domain::roles::{self, Permission};
use crate::domain::text::Text;
use crate::grpc::error::{ApiError, Violation};
use crate::state::AppState;

pub struct PartnerRoleApi {
    state: AppState,
}

impl PartnerRoleApi {
    pub fn new(state: AppState) -> Self {
        PartnerRoleApi { state }
    }

    /// Grant or revoke: returns whether anything changed and the user after.
    async fn change_role(
        &self,
        caller: roles::Caller,
        action: RoleAction,
        user_id: &str,
        role: i32,
    ) -> Result<(bool, pb::PartnerUser), ApiError> {
        let user = validate::partner_user_id(user_id)?;
        let role = role_convert::requested_role("role", role)?;
        let change = RoleChange {
            caller,
            action,
            user,
            role,
            audit_id: AuditRecordId::new_v7(),
            at: self.state.clock().now(),
        };
        match self.state.app()?.change_role(&change).await? {
            RoleChangeOutcome::Applied { user, changed } => {
                Ok((changed, role_convert::partner_user(&user)))
            }
            RoleChangeOutcome::Denied(missing) => Err(ApiError::PermissionDenied(missing)),
            RoleChangeOutcome::UserNotFound => Err(ApiError::not_found("partner user", user)),
            RoleChangeOutcome::LastGlobalAdmin => Err(last_global_admin(&change)),
        }
    }
}

/// The `FAILED_PRECONDITION` of a revoke that would leave no global admin.
fn last_global_admin(change: &RoleChange) -> ApiError {
    let reason = pb::ErrorReason::LastGlobalAdmin;
    let description = "the partner must keep at least one GLOBAL_ADMIN: \
                       grant GLOBAL_ADMIN to another user first";
    ApiError::FailedPrecondition {
        reason,
        message: format!(
            "user {} is the partner's last GLOBAL_ADMIN; {description}",
            change.user
        ),
        violations: vec![Violation {
            kind: reason.as_str_name().to_owned(),
            subject: change.user.to_string(),
            description: description.to_owned(),
        }],
        metadata: Vec::new(),
        reasons: Vec::new(),
    }
    .with_text(Text::new("refusal-last-global-admin").arg("user", change.user.to_string()))
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

    /// The staff list is part of managing roles: it needs `MANAGE_ROLES`
    /// (agents have no use for the partner's directory).
    async fn list_partner_users(
        &self,
        request: Request<ListPartnerUsersRequest>,
    ) -> Result<Response<ListPartnerUsersResponse>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ManageRoles)?;
        let ListPartnerUsersRequest {
            page_size,
            page_token,
        } = request.into_inner();
        let page = validate::page(page_size, &page_token)?;

        let page = self
            .state
            .store()?
            .list_partner_users(caller.partner_id, &page)
            .await?;
        Ok(Response::new(ListPartnerUsersResponse {
            users: page.items.iter().map(role_convert::partner_user).collect(),
            next_page_token: page.next_page_token,
        }))
    }

    async fn grant_role(
        &self,
        request: Request<GrantRoleRequest>,
    ) -> Result<Response<GrantRoleResponse>, Status> {
        let caller = auth::caller(&request)?;
        let GrantRoleRequest { user_id, role } = request.into_inner();
        let (changed, user) = self
            .change_role(caller, RoleAction::Grant, &user_id, role)
            .await?;
        Ok(Response::new(GrantRoleResponse {
            changed,
            user: Some(user),
        }))
    }

    async fn revoke_role(
        &self,
        request: Request<RevokeRoleRequest>,
    ) -> Result<Response<RevokeRoleResponse>, Status> {
        let caller = auth::caller(&request)?;
        let RevokeRoleRequest { user_id, role } = request.into_inner();
        let (changed, user) = self
            .change_role(caller, RoleAction::Revoke, &user_id, role)
            .await?;
        Ok(Response::new(RevokeRoleResponse {
            changed,
            user: Some(user),
        }))
    }

    async fn list_audit_records(
        &self,
        request: Request<ListAuditRecordsRequest>,
    ) -> Result<Response<ListAuditRecordsResponse>, Status> {
        let caller = auth::caller(&request)?;
        require(&caller, Permission::ViewAuditLog)?;
        let ListAuditRecordsRequest {
            page_size,
            page_token,
            start_time,
            end_time,
        } = request.into_inner();
        let range = role_convert::time_range(start_time, end_time)?;
        let page = validate::page(page_size, &page_token)?;

        let page = self
            .state
            .store()?
            .list_audit_records(caller.partner_id, &range, &page)
            .await?;
        Ok(Response::new(ListAuditRecordsResponse {
            records: page.items.iter().map(role_convert::audit_record).collect(),
            next_page_token: page.next_page_token,
        }))
    }
}
