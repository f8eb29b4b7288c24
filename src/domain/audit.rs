//! The audit log: every role change and every refused attempt at one (who,
//! what, target user, role, when, outcome), and every upgrade order written
//! (submitted, credit check approved or rejected). Records are built here from a
//! [`RoleChange`]; storage writes them, a success in the same transaction as
//! the change, a refusal in a small transaction of its own.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::ids::{AuditRecordId, OrderId, PartnerId, PartnerUserId};
use super::model::{Role, text_enum};
use super::roles::{Caller, Principal};

text_enum!(/// What was attempted.
AuditAction {
    GrantRole = "GRANT_ROLE",
    RevokeRole = "REVOKE_ROLE",
    SubmitUpgrade = "SUBMIT_UPGRADE",
    ApproveCreditCheck = "APPROVE_CREDIT_CHECK",
    RejectCreditCheck = "REJECT_CREDIT_CHECK",
    /// A partner's export applied (`csp-upgrades sync`, `SyncPartnerData`).
    SyncPartnerData = "SYNC_PARTNER_DATA",
    /// A scheduled order cancelled (by the caller, or by an immediate
    /// upgrade of its source).
    CancelUpgradeOrder = "CANCEL_UPGRADE_ORDER",
    /// A scheduled order run at its source's renewal.
    RunScheduledUpgrade = "RUN_SCHEDULED_UPGRADE",
});

/// A role change: the subset of [`AuditAction`] a `RoleChange` can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleAction {
    Grant,
    Revoke,
}

impl RoleAction {
    pub fn audit_action(self) -> AuditAction {
        match self {
            RoleAction::Grant => AuditAction::GrantRole,
            RoleAction::Revoke => AuditAction::RevokeRole,
        }
    }
}

impl std::fmt::Display for RoleAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.audit_action().fmt(f)
    }
}

/// What an audited action was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTarget {
    /// A partner user (role changes), as the request named it.
    User(PartnerUserId),
    /// An upgrade order.
    Order(OrderId),
    /// The partner's data as a whole (a sync).
    Partner(PartnerId),
}

impl AuditTarget {
    /// The stored form: `user:<id>` or `order:<id>`.
    pub fn label(self) -> String {
        match self {
            AuditTarget::User(id) => format!("user:{id}"),
            AuditTarget::Order(id) => format!("order:{id}"),
            AuditTarget::Partner(id) => format!("partner:{id}"),
        }
    }

    pub fn parse(label: &str) -> Option<Self> {
        match label.split_once(':')? {
            ("user", id) => PartnerUserId::parse(id).ok().map(AuditTarget::User),
            ("order", id) => OrderId::parse(id).ok().map(AuditTarget::Order),
            ("partner", id) => PartnerId::parse(id).ok().map(AuditTarget::Partner),
            _ => None,
        }
    }
}

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
    /// The user the request named (it may not exist: `USER_NOT_FOUND`), or
    /// the order.
    pub target: AuditTarget,
    /// The role granted or revoked; `None` for order actions.
    pub role: Option<Role>,
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
    pub action: RoleAction,
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
            action: self.action.audit_action(),
            target: AuditTarget::User(self.user),
            role: Some(self.role),
            outcome,
            refusal,
            details,
        }
    }
}

/// The record of an order written by `caller`: which order, and in its
/// details the state and outcome it was left in.
pub fn order_record(
    caller: &Caller,
    action: AuditAction,
    order: &super::orders::UpgradeOrder,
    id: AuditRecordId,
) -> AuditRecord {
    AuditRecord {
        id,
        partner_id: order.partner_id,
        at: order.updated_at,
        actor: Actor::of(caller),
        action,
        target: AuditTarget::Order(order.id),
        role: None,
        outcome: AuditOutcome::Succeeded,
        refusal: None,
        details: BTreeMap::from([
            ("customer_id".to_owned(), order.customer_id.to_string()),
            (
                "source_subscription_id".to_owned(),
                order.source_subscription_id.to_string(),
            ),
            (
                "target_offer_id".to_owned(),
                order.target_offer_id.to_string(),
            ),
            ("quantity".to_owned(), order.quantity.to_string()),
            ("upgrade_type".to_owned(), order.upgrade_type.to_string()),
            ("state".to_owned(), order.state.to_string()),
            ("outcome".to_owned(), order.outcome().to_string()),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn change(caller: Caller) -> RoleChange {
        RoleChange {
            caller,
            action: RoleAction::Revoke,
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
        assert_eq!(done.target, AuditTarget::User(c.user));
        assert_eq!(done.role, Some(Role::GlobalAdmin));
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
