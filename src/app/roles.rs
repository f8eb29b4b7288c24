//! Granting and revoking partner roles.
//!
//! The change runs in one transaction that first takes the partner's lock,
//! so the changes of one partner run one after the other: the
//! last-global-admin rule is checked on a count no concurrent revoke can
//! change until it commits. The caller's own roles are read again under
//! that lock: an admin whose role was revoked a moment ago cannot use a call
//! that was already in flight. Every outcome is audited, a refusal too.

use std::collections::BTreeMap;

use super::App;
use crate::domain::audit::{Refusal, RoleAction, RoleChange};
use crate::domain::model::{PartnerUser, Role};
use crate::domain::roles::{self, Caller, Permission, Principal};
use crate::storage::changes::Change;
use crate::storage::{Result, RoleTx, StorageError};

/// How a role change ended. Every outcome was audited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleChangeOutcome {
    /// Allowed: `changed` is false when there was nothing to do.
    Applied { user: PartnerUser, changed: bool },
    /// No such user at the caller's partner.
    UserNotFound,
    /// The revoke would leave the partner without a global admin.
    LastGlobalAdmin,
    /// The caller's roles do not allow it (read again under the lock).
    Denied(Permission),
}

impl App {
    pub async fn change_role(&self, change: &RoleChange) -> Result<RoleChangeOutcome> {
        // Refused before any lock when the caller's token roles say no.
        if let Err(missing) = roles::may_change_role(&change.caller, change.role) {
            let record = change.refused(Refusal::PermissionDenied, missing_details(missing));
            self.store.record_audit(&record).await?;
            return Ok(refused(change, RoleChangeOutcome::Denied(missing)));
        }
        let partner = change.caller.partner_id;
        let mut tx = self.store.lock_partner(partner).await?;
        let outcome = decide(tx.as_mut(), change).await?;
        let record = match &outcome {
            RoleChangeOutcome::Applied { user, changed } => {
                let roles_after: Vec<_> = user.roles.iter().copied().collect();
                change.applied(*changed, &roles_after)
            }
            RoleChangeOutcome::UserNotFound => {
                change.refused(Refusal::UserNotFound, BTreeMap::new())
            }
            RoleChangeOutcome::LastGlobalAdmin => {
                change.refused(Refusal::LastGlobalAdmin, BTreeMap::new())
            }
            RoleChangeOutcome::Denied(missing) => {
                change.refused(Refusal::PermissionDenied, missing_details(*missing))
            }
        };
        tx.insert_audit(&record).await?;
        tx.commit().await?;
        if let RoleChangeOutcome::Applied { user, changed } = &outcome {
            self.bus.written(Change::PartnerUser(change.user));
            tracing::info!(
                action = %change.action,
                user = %user.id,
                role = %change.role,
                changed,
                by = ?change.caller.principal,
                "partner role change"
            );
            return Ok(outcome);
        }
        Ok(refused(change, outcome))
    }
}

/// Reads what the rules need under the partner's lock, asks them, and
/// applies the change when they allow it.
async fn decide(tx: &mut dyn RoleTx, change: &RoleChange) -> Result<RoleChangeOutcome> {
    let partner = change.caller.partner_id;
    let Some(target) = tx.partner_user(partner, change.user).await? else {
        return Ok(RoleChangeOutcome::UserNotFound);
    };
    let held = target.roles.contains(&change.role);
    if change.action == RoleAction::Revoke && change.role == Role::GlobalAdmin && held {
        let global_admins = tx.count_global_admins(partner).await?;
        if roles::revoke_removes_last_global_admin(change.role, held, global_admins) {
            return Ok(RoleChangeOutcome::LastGlobalAdmin);
        }
    }
    // The caller's roles now: a revoke of their own role that committed
    // since their call began counts.
    let caller = match &change.caller.principal {
        Principal::User { id, .. } => Caller {
            roles: tx
                .partner_user(partner, *id)
                .await?
                .map(|u| u.roles)
                .unwrap_or_default(),
            ..change.caller.clone()
        },
        Principal::App { .. } => change.caller.clone(),
    };
    if let Err(missing) = roles::may_change_role(&caller, change.role) {
        return Ok(RoleChangeOutcome::Denied(missing));
    }
    let changed = match change.action {
        RoleAction::Grant => tx.grant(change.user, change.role).await?,
        RoleAction::Revoke => tx.revoke(change.user, change.role).await?,
    };
    let user = tx
        .partner_user(partner, change.user)
        .await?
        .ok_or_else(|| StorageError::Corrupt("partner user vanished under lock".into()))?;
    Ok(RoleChangeOutcome::Applied { user, changed })
}

fn missing_details(missing: Permission) -> BTreeMap<String, String> {
    BTreeMap::from([("missing_permission".to_owned(), missing.as_str().to_owned())])
}

/// Logs a refusal (already audited) and hands it back.
fn refused(change: &RoleChange, outcome: RoleChangeOutcome) -> RoleChangeOutcome {
    tracing::info!(
        action = %change.action,
        user = %change.user,
        role = %change.role,
        refusal = ?outcome,
        by = ?change.caller.principal,
        "partner role change refused"
    );
    outcome
}
