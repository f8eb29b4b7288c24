//! Authentication: who is calling. The layer in [`layer`] verifies the bearer
//! token of every `csp.v1` call, reads the caller's roles (through the
//! role cache, which a grant or revoke empties: `crate::cache`), and puts the [`Caller`] in the request extensions, where the
//! handlers take it. Health and reflection need no token.

pub mod jwt;
pub mod layer;
mod verified;

use http::HeaderMap;

use crate::domain::ids::{PartnerId, PartnerUserId};
use crate::domain::limits;
use crate::domain::roles::{Caller, Principal};
use crate::grpc::error::ApiError;
use crate::state::AppState;

/// Resolves the caller of a request from its `authorization` header.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let unauthenticated = |m: &str| ApiError::Unauthenticated(m.to_owned());
    let value = headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| unauthenticated("missing authorization: Bearer <token>"))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthenticated("authorization must be 'Bearer <token>'"))?;
    let claims = state.verifier().verify(token).map_err(unauthenticated)?;
    let partner_id = PartnerId::parse(&claims.partner_id)
        .map_err(|_| unauthenticated("invalid partner_id claim"))?;
    let store = state.store()?;
    match claims.app_id {
        Some(app_id) => {
            // Written into audit records: held to what both backends store.
            if app_id.is_empty()
                || limits::text_problem(&app_id, limits::MAX_APP_ID_CHARS).is_some()
            {
                return Err(unauthenticated("invalid app_id claim"));
            }
            if !store.partner_exists(partner_id).await? {
                return Err(unauthenticated("unknown partner"));
            }
            Ok(Caller {
                partner_id,
                principal: Principal::App { app_id },
                roles: Default::default(),
            })
        }
        None => {
            let user_id = PartnerUserId::parse(&claims.sub)
                .map_err(|_| unauthenticated("invalid sub claim"))?;
            let user = store
                .partner_user(partner_id, user_id)
                .await?
                .ok_or_else(|| unauthenticated("unknown user or partner"))?;
            Ok(Caller {
                partner_id,
                principal: Principal::User {
                    id: user.id,
                    upn: user.upn,
                    display_name: user.display_name,
                },
                roles: user.roles,
            })
        }
    }
}

/// The caller the auth layer resolved for this request.
pub fn caller<T>(request: &tonic::Request<T>) -> Result<Caller, ApiError> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| ApiError::Unauthenticated("no authenticated caller".into()))
}
