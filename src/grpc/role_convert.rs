//! Proto <-> domain conversions of role management and the audit log.

use std::collections::HashMap;

use prost_types::Timestamp;

use super::convert::{role, timestamp};
use super::error::ApiError;
use super::{pb, validate};
use crate::domain::audit::{Actor, AuditAction, AuditOutcome, AuditRecord, AuditTarget, Refusal};
use crate::domain::model::{PartnerUser, Role};
use crate::storage::TimeRange;

/// A `PartnerRole` request field: a known role, not `_UNSPECIFIED`.
pub fn requested_role(field: &'static str, value: i32) -> Result<Role, ApiError> {
    match pb::PartnerRole::try_from(value) {
        Ok(pb::PartnerRole::Unspecified) => Err(ApiError::invalid(field, "is required")),
        Ok(r) => r
            .as_str_name()
            .strip_prefix("PARTNER_ROLE_")
            .and_then(Role::parse)
            .ok_or_else(|| ApiError::Internal(format!("proto role {r:?} has no domain role"))),
        Err(_) => Err(ApiError::invalid(field, format!("unknown role {value}"))),
    }
}

/// `start_time` (inclusive) and `end_time` (exclusive), each optional.
pub fn time_range(start: Option<Timestamp>, end: Option<Timestamp>) -> Result<TimeRange, ApiError> {
    let range = TimeRange {
        start: validate::timestamp("start_time", start)?,
        end: validate::timestamp("end_time", end)?,
    };
    if let (Some(s), Some(e)) = (range.start, range.end)
        && e <= s
    {
        return Err(ApiError::invalid("end_time", "must be after start_time"));
    }
    Ok(range)
}

pub fn partner_user(u: &PartnerUser) -> pb::PartnerUser {
    pb::PartnerUser {
        user_id: u.id.to_string(),
        user_principal_name: u.upn.clone(),
        display_name: u.display_name.clone(),
        roles: u.roles.iter().map(|r| role(*r)).collect(),
    }
}

pub fn audit_action(a: AuditAction) -> i32 {
    pb::AuditAction::from_str_name(&format!("AUDIT_ACTION_{}", a.as_str())).map_or(0, |v| v as i32)
}

pub fn audit_outcome(o: AuditOutcome) -> i32 {
    pb::AuditOutcome::from_str_name(&format!("AUDIT_OUTCOME_{}", o.as_str()))
        .map_or(0, |v| v as i32)
}

/// The `ErrorInfo` reason the refused caller was answered with.
fn refusal_reason(r: Refusal) -> pb::ErrorReason {
    match r {
        Refusal::PermissionDenied => pb::ErrorReason::PermissionMissing,
        Refusal::LastGlobalAdmin => pb::ErrorReason::LastGlobalAdmin,
        Refusal::UserNotFound => pb::ErrorReason::ResourceNotFound,
    }
}

pub fn audit_record(r: &AuditRecord) -> pb::AuditRecord {
    let actor = match &r.actor {
        Actor::User { id, upn } => pb::AuditActor {
            user_id: id.to_string(),
            user_principal_name: upn.clone(),
            app_id: String::new(),
        },
        Actor::App { app_id } => pb::AuditActor {
            user_id: String::new(),
            user_principal_name: String::new(),
            app_id: app_id.clone(),
        },
    };
    let (target_user_id, target_order_id) = match r.target {
        AuditTarget::User(id) => (id.to_string(), String::new()),
        AuditTarget::Order(id) => (String::new(), id.to_string()),
    };
    pb::AuditRecord {
        audit_record_id: r.id.to_string(),
        target_order_id,
        create_time: Some(timestamp(r.at)),
        actor: Some(actor),
        action: audit_action(r.action),
        target_user_id,
        role: r.role.map_or(0, role),
        outcome: audit_outcome(r.outcome),
        reason: r.refusal.map_or(0, |x| refusal_reason(x) as i32),
        details: r
            .details
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<HashMap<_, _>>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_value_and_role_has_a_proto_value_and_back() {
        for a in AuditAction::ALL {
            assert_ne!(audit_action(*a), 0, "{a}");
        }
        for o in AuditOutcome::ALL {
            assert_ne!(audit_outcome(*o), 0, "{o}");
        }
        for r in Role::ALL {
            assert_eq!(requested_role("role", role(*r)).unwrap(), *r);
        }
        assert!(requested_role("role", 0).is_err());
        assert!(requested_role("role", 99).is_err());
    }

    #[test]
    fn time_ranges_are_checked() {
        let t = |seconds, nanos| Some(Timestamp { seconds, nanos });
        assert_eq!(time_range(None, None).unwrap(), TimeRange::default());
        let r = time_range(t(100, 0), t(200, 5)).unwrap();
        assert_eq!(r.start.unwrap().timestamp(), 100);
        assert_eq!(r.end.unwrap().timestamp_subsec_nanos(), 5);
        assert!(time_range(t(200, 0), t(100, 0)).is_err());
        assert!(time_range(t(100, 0), t(100, 0)).is_err());
        assert!(time_range(t(0, -1), None).is_err());
        assert!(time_range(None, t(0, 1_000_000_000)).is_err());
        // Out of what Postgres' timestamptz holds (22008 before issue 15).
        assert!(time_range(t(-(1 << 40), 0), None).is_err());
        assert!(time_range(None, t(1 << 40, 0)).is_err());
    }
}
