//! The audit log: every role change and every refused attempt at one (who,
//! what, target user, role, when, outcome). Records are built here from a
//! [`RoleChange`]; storage writes them, a success in the same transaction as
//! the change, a refusal in a small transaction of its own.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::ids::{AuditRecordId, PartnerId, PartnerUserId};
use super::model::{Role, text_enum};
use super::roles::{Caller, Principal};

text_enum!(/// What was attempted.
AuditAction {
    GrantRole = "GRANT_ROLE",
    RevokeRole = "REVOKE_ROLE",
});

text_enum!(/// How an attempt ended.
AuditOutcome {
    /// The change was made.
    Succeeded = "SUCCEEDED",
    /// Allowed, but nothing to change (role already held, or not held).
    NoChange = "NO_CHANGE",
    /// Refused; the record's reason says why.
    Refused = "REFUSED",
});

text_enum!(/// Why an attempt was refused.
Refusal {
    /// The caller's roles do not allow it (`details.missing_permission`).
    PermissionDenied = "PERMISSION_DENIED",
    /// It would leave the partner without a global admin.
    LastGlobalAdmin = "LAST_GLOBAL_ADMIN",
    /// No such user at the caller's partner (or another partner's user).
    UserNotFound = "USER_NOT_FOUND",
});

text_enum!(/// The kind of actor, as stored.
ActorKind {
    User = "USER",
    App = "APP",
});

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User { id: PartnerUserId, upn: String },
    App { app_id: String },
}

impl Actor {
    pub fn of(caller: &Caller) -> Self {
        match &caller.principal {
            Principal::User { id, upn, .. } => Actor::User {
                id: *id,
                upn: upn.clone(),
            },
            Principal::App { app_id } => Actor::App {
                app_id: app_id.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: AuditRecordId,
    pub partner_id: PartnerId,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub action: AuditAction,
    /// The user the request named (it may not exist: `USER_NOT_FOUND`).
    pub target_user: PartnerUserId,
    pub role: Role,
    pub outcome: AuditOutcome,
    /// Set exactly when `outcome` is `REFUSED`.
    pub refusal: Option<Refusal>,
    pub details: BTreeMap<String, String>,
}

/// A requested grant or revoke, with the id and time its audit record gets
/// (both chosen by the caller of the domain: no clock or randomness here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    pub caller: Caller,
    pub action: AuditAction,
    pub user: PartnerUserId,
    pub role: Role,
    pub audit_id: AuditRecordId,
    pub at: DateTime<Utc>,
}

impl RoleChange {
    /// The record of an allowed change: `SUCCEEDED` or `NO_CHANGE`, with
    /// the target's roles after it.
    pub fn applied(&self, changed: bool, roles_after: &[Role]) -> AuditRecord {
        let outcome = if changed {
            AuditOutcome::Succeeded
        } else {
            AuditOutcome::NoChange
        };
        let roles: Vec<&str> = roles_after.iter().map(|r| r.as_str()).collect();
        self.record(
            outcome,
            None,
            BTreeMap::from([("roles_after".to_owned(), roles.join(","))]),
        )
    }

    /// The record of a refused attempt.
    pub fn refused(&self, refusal: Refusal, details: BTreeMap<String, String>) -> AuditRecord {
        self.record(AuditOutcome::Refused, Some(refusal), details)
    }

    fn record(
        &self,
        outcome: AuditOutcome,
        refusal: Option<Refusal>,
        details: BTreeMap<String, String>,
    ) -> AuditRecord {
        AuditRecord {
            id: self.audit_id,
            partner_id: self.caller.partner_id,
            at: self.at,
            actor: Actor::of(&self.caller),
            action: self.action,
            target_user: self.user,
            role: self.role,
            outcome,
            refusal,
            details,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn change(caller: Caller) -> RoleChange {
        RoleChange {
            caller,
            action: AuditAction::RevokeRole,
            user: PartnerUserId::new_v4(),
            role: Role::GlobalAdmin,
            audit_id: AuditRecordId::new_v4(),
            at: Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap(),
        }
    }

    fn user_caller() -> Caller {
        Caller {
            partner_id: PartnerId::new_v4(),
            principal: Principal::User {
                id: PartnerUserId::new_v4(),
                upn: "ga@x.example".into(),
                display_name: "GA".into(),
            },
            roles: [Role::GlobalAdmin].into(),
        }
    }

    #[test]
    fn records_carry_who_what_whom_when_and_how_it_ended() {
        let c = change(user_caller());
        let done = c.applied(true, &[Role::SalesAgent, Role::BillingAdmin]);
        assert_eq!(done.outcome, AuditOutcome::Succeeded);
        assert_eq!(done.refusal, None);
        assert_eq!(done.id, c.audit_id);
        assert_eq!(done.at, c.at);
        assert_eq!(done.partner_id, c.caller.partner_id);
        assert_eq!(done.target_user, c.user);
        assert_eq!(done.role, Role::GlobalAdmin);
        assert_eq!(done.action, AuditAction::RevokeRole);
        assert!(matches!(&done.actor, Actor::User { upn, .. } if upn == "ga@x.example"));
        assert_eq!(done.details["roles_after"], "SALES_AGENT,BILLING_ADMIN");

        assert_eq!(c.applied(false, &[]).outcome, AuditOutcome::NoChange);

        let refused = c.refused(Refusal::LastGlobalAdmin, BTreeMap::new());
        assert_eq!(refused.outcome, AuditOutcome::Refused);
        assert_eq!(refused.refusal, Some(Refusal::LastGlobalAdmin));
    }

    #[test]
    fn an_app_is_recorded_by_its_app_id() {
        let mut caller = user_caller();
        caller.principal = Principal::App {
            app_id: "bot".into(),
        };
        let r = change(caller).refused(Refusal::PermissionDenied, BTreeMap::new());
        assert_eq!(
            r.actor,
            Actor::App {
                app_id: "bot".into()
            }
        );
    }
}
