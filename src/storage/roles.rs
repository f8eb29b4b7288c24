//! Role management and the audit log in storage: [`RoleStore`], which every
//! [`Store`](super::Store) also is, and `role_store!`, its implementation for
//! a store made by `sql_store!`.
//!
//! A role change runs in one writing transaction that first locks the
//! partner row, so changes of one partner are serialised on both backends:
//! the last-global-admin rule is checked on a count no concurrent revoke can
//! change until this transaction ends. The caller's own roles are read again
//! under that lock: an admin whose role was revoked a moment ago cannot use
//! a call that was already in flight. The decisions themselves are the
//! domain's (`domain::roles`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Page, PageRequest, Result, StorageError};
use crate::domain::audit::{
    Actor, AuditAction, AuditOutcome, AuditRecord, AuditTarget, Refusal, RoleChange,
};
use crate::domain::ids::{AuditRecordId, PartnerId, PartnerUserId};
use crate::domain::model::{PartnerUser, Role};
use crate::domain::roles::Permission;

/// How a role change ended. Only `Applied` wrote anything (the change, if
/// any, and its audit record); the refusals leave the audit to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleChangeOutcome {
    /// Allowed: `changed` is false when there was nothing to do.
    Applied { user: PartnerUser, changed: bool },
    /// No such user at the caller's partner.
    UserNotFound,
    /// The revoke would leave the partner without a global admin.
    LastGlobalAdmin,
    /// The caller's roles, read again under the lock, no longer allow it.
    Denied(Permission),
}

/// A time window of the audit log: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait RoleStore: Send + Sync {
    /// The partner's users with their roles, ordered by (upn, id).
    async fn list_partner_users(
        &self,
        partner: PartnerId,
        page: &PageRequest,
    ) -> Result<Page<PartnerUser>>;

    /// Grants or revokes a role of a user of the caller's partner, and
    /// writes its audit record in the same transaction.
    async fn change_role(&self, change: &RoleChange) -> Result<RoleChangeOutcome>;

    /// Writes one audit record in a transaction of its own (refusals, which
    /// must be recorded although nothing else is written).
    async fn record_audit(&self, record: &AuditRecord) -> Result<()>;

    /// The partner's role-change audit records in `range`, newest first.
    async fn list_audit_records(
        &self,
        partner: PartnerId,
        range: &TimeRange,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>>;
}

/// An audit record as stored.
#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    id: Uuid,
    actor: String,
    actor_user_id: Option<Uuid>,
    action: String,
    target: String,
    role: Option<String>,
    outcome: String,
    reason: Option<String>,
    at: DateTime<Utc>,
    details: String,
}

fn corrupt(what: &str, value: &str) -> StorageError {
    StorageError::Corrupt(format!("audit record: {what} {value:?}"))
}

/// `user:<upn>` or `app:<app id>`, as every writer of the table labels actors.
pub(super) fn actor_label(actor: &Actor) -> String {
    match actor {
        Actor::User { upn, .. } => format!("user:{upn}"),
        Actor::App { app_id } => format!("app:{app_id}"),
    }
}

pub(super) fn actor_user_id(actor: &Actor) -> Option<Uuid> {
    match actor {
        Actor::User { id, .. } => Some(id.0),
        Actor::App { .. } => None,
    }
}

/// Details are a JSON object; values that are not strings are kept in their
/// JSON text.
pub(super) fn details_json(details: &BTreeMap<String, String>) -> String {
    serde_json::to_string(details).expect("a map of strings serializes")
}

impl AuditRow {
    pub(super) fn into_domain(self, partner_id: PartnerId) -> Result<AuditRecord> {
        let actor = match (self.actor.split_once(':'), self.actor_user_id) {
            (Some(("user", upn)), Some(id)) => Actor::User {
                id: PartnerUserId(id),
                upn: upn.to_owned(),
            },
            (Some(("app", app_id)), None) => Actor::App {
                app_id: app_id.to_owned(),
            },
            _ => return Err(corrupt("actor", &self.actor)),
        };
        let target =
            AuditTarget::parse(&self.target).ok_or_else(|| corrupt("target", &self.target))?;
        let role = self.role;
        let refusal = self
            .reason
            .map(|r| Refusal::parse(&r).ok_or_else(|| corrupt("reason", &r)))
            .transpose()?;
        let details: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&self.details).map_err(|_| corrupt("details", &self.details))?;
        Ok(AuditRecord {
            id: AuditRecordId(self.id),
            partner_id,
            at: self.at,
            actor,
            action: AuditAction::parse(&self.action)
                .ok_or_else(|| corrupt("action", &self.action))?,
            target,
            role: role
                .map(|r| Role::parse(&r).ok_or_else(|| corrupt("role", &r)))
                .transpose()?,
            outcome: AuditOutcome::parse(&self.outcome)
                .ok_or_else(|| corrupt("outcome", &self.outcome))?,
            refusal,
            details: details
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
        })
    }

    /// The keyset paging key: (at, id), the time in RFC 3339 to the microsecond.
    pub(super) fn page_key(r: &AuditRecord) -> (String, String) {
        (
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            r.id.to_string(),
        )
    }
}

/// Reads back a key made by `AuditRow::page_key`.
pub(super) fn audit_after((at, id): &(String, String)) -> Result<(DateTime<Utc>, Uuid)> {
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| StorageError::BadPageToken)?;
    let id = Uuid::parse_str(id).map_err(|_| StorageError::BadPageToken)?;
    Ok((at.to_utc(), id))
}

/// Reads back a (upn, id) key of the staff list.
pub(super) fn partner_user_after((upn, id): &(String, String)) -> Result<(String, Uuid)> {
    let id = Uuid::parse_str(id).map_err(|_| StorageError::BadPageToken)?;
    Ok((upn.clone(), id))
}

pub(super) fn partner_user_key(u: &PartnerUser) -> (String, String) {
    (u.upn.clone(), u.id.to_string())
}

/// Implements [`RoleStore`] for a store made by `sql_store!`.
macro_rules! role_store {
    ($store:ident, $conn:ty, begin_write: $begin_write:literal) => {
        impl $store {
            async fn partner_user_on(
                conn: &mut $conn,
                partner: $crate::domain::ids::PartnerId,
                user: $crate::domain::ids::PartnerUserId,
            ) -> $crate::storage::Result<Option<$crate::domain::model::PartnerUser>> {
                sqlx::query_as::<_, $crate::storage::rows::PartnerUserRow>(
                    $crate::storage::sql::PARTNER_USER,
                )
                .bind(partner.0)
                .bind(user.0)
                .fetch_optional(&mut *conn)
                .await?
                .map($crate::storage::rows::PartnerUserRow::into_domain)
                .transpose()
            }

            async fn insert_audit_on(
                conn: &mut $conn,
                record: &$crate::domain::audit::AuditRecord,
            ) -> $crate::storage::Result<()> {
                $crate::storage::role_sql::bind_audit_columns!(
                    sqlx::query($crate::storage::role_sql::INSERT_AUDIT_RECORD),
                    record
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Everything of [`RoleStore::change_role`] after the lock; `None`
            /// for a refusal, which the caller rolls back.
            async fn change_role_on(
                conn: &mut $conn,
                change: &$crate::domain::audit::RoleChange,
            ) -> $crate::storage::Result<$crate::storage::roles::RoleChangeOutcome> {
                use $crate::domain::audit::RoleAction;
                use $crate::domain::roles::{self, Caller, Principal};
                use $crate::storage::role_sql as sql;
                use $crate::storage::roles::RoleChangeOutcome;

                let partner = change.caller.partner_id;
                sqlx::query(sql::LOCK_PARTNER)
                    .bind(partner.0)
                    .execute(&mut *conn)
                    .await?;
                let Some(target) = Self::partner_user_on(&mut *conn, partner, change.user).await?
                else {
                    return Ok(RoleChangeOutcome::UserNotFound);
                };
                let held = target.roles.contains(&change.role);
                if change.action == RoleAction::Revoke
                    && change.role == $crate::domain::model::Role::GlobalAdmin
                    && held
                {
                    let global_admins: i64 = sqlx::query_scalar(sql::COUNT_GLOBAL_ADMINS)
                        .bind(partner.0)
                        .fetch_one(&mut *conn)
                        .await?;
                    if roles::revoke_removes_last_global_admin(change.role, held, global_admins) {
                        return Ok(RoleChangeOutcome::LastGlobalAdmin);
                    }
                }
                // The caller's roles now, under the lock: a revoke of their
                // own role that committed since their call began counts.
                let now = match &change.caller.principal {
                    Principal::User { id, .. } => {
                        let texts: Vec<String> = sqlx::query_scalar(sql::ROLES_OF_USER)
                            .bind(id.0)
                            .fetch_all(&mut *conn)
                            .await?;
                        let roles = texts
                            .iter()
                            .map(|t| {
                                $crate::domain::model::Role::parse(t).ok_or_else(|| {
                                    $crate::storage::StorageError::Corrupt(format!(
                                        "unknown role {t:?}"
                                    ))
                                })
                            })
                            .collect::<$crate::storage::Result<_>>()?;
                        Caller {
                            roles,
                            ..change.caller.clone()
                        }
                    }
                    Principal::App { .. } => change.caller.clone(),
                };
                if let Err(missing) = roles::may_change_role(&now, change.role) {
                    return Ok(RoleChangeOutcome::Denied(missing));
                }
                let statement = match change.action {
                    RoleAction::Grant => sql::GRANT_ROLE,
                    RoleAction::Revoke => sql::REVOKE_ROLE,
                };
                let changed = sqlx::query(statement)
                    .bind(change.user.0)
                    .bind(change.role.as_str())
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
                    == 1;
                let user = Self::partner_user_on(&mut *conn, partner, change.user)
                    .await?
                    .ok_or_else(|| {
                        $crate::storage::StorageError::Corrupt(
                            "partner user vanished under lock".into(),
                        )
                    })?;
                let roles_after: Vec<_> = user.roles.iter().copied().collect();
                Self::insert_audit_on(&mut *conn, &change.applied(changed, &roles_after)).await?;
                Ok(RoleChangeOutcome::Applied { user, changed })
            }
        }

        #[async_trait::async_trait]
        impl $crate::storage::roles::RoleStore for $store {
            async fn list_partner_users(
                &self,
                partner: $crate::domain::ids::PartnerId,
                page: &$crate::storage::PageRequest,
            ) -> $crate::storage::Result<$crate::storage::Page<$crate::domain::model::PartnerUser>>
            {
                use $crate::storage::roles::{partner_user_after, partner_user_key};
                use $crate::storage::rows::{self, PartnerUserRow};
                let after = page.after.as_ref().map(partner_user_after).transpose()?;
                let found = self
                    .fetch_page(
                        $crate::storage::role_sql::PARTNER_USERS_FIRST,
                        $crate::storage::role_sql::PARTNER_USERS_AFTER,
                        partner.0,
                        page.size,
                        after,
                    )
                    .await?;
                rows::page(
                    found,
                    PartnerUserRow::into_domain,
                    page.size,
                    partner_user_key,
                )
            }

            async fn change_role(
                &self,
                change: &$crate::domain::audit::RoleChange,
            ) -> $crate::storage::Result<$crate::storage::roles::RoleChangeOutcome> {
                use $crate::storage::roles::RoleChangeOutcome;
                let mut tx = self.pool.begin_with($begin_write).await?;
                let outcome = Self::change_role_on(&mut *tx, change).await?;
                match outcome {
                    RoleChangeOutcome::Applied { .. } => tx.commit().await?,
                    _ => tx.rollback().await?,
                }
                Ok(outcome)
            }

            async fn record_audit(
                &self,
                record: &$crate::domain::audit::AuditRecord,
            ) -> $crate::storage::Result<()> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                Self::insert_audit_on(&mut *tx, record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_audit_records(
                &self,
                partner: $crate::domain::ids::PartnerId,
                range: &$crate::storage::roles::TimeRange,
                page: &$crate::storage::PageRequest,
            ) -> $crate::storage::Result<$crate::storage::Page<$crate::domain::audit::AuditRecord>>
            {
                use $crate::storage::role_sql as sql;
                use $crate::storage::roles::{AuditRow, audit_after};
                use $crate::storage::rows::stored_time;
                let after = page.after.as_ref().map(audit_after).transpose()?;
                let limit = i64::from(page.size) + 1;
                let (start, end) = (range.start.map(stored_time), range.end.map(stored_time));
                let query = match after {
                    None => sqlx::query_as::<_, AuditRow>(sql::AUDIT_FIRST)
                        .bind(partner.0)
                        .bind(start)
                        .bind(end)
                        .bind(limit),
                    Some((at, id)) => sqlx::query_as::<_, AuditRow>(sql::AUDIT_AFTER)
                        .bind(partner.0)
                        .bind(start)
                        .bind(end)
                        .bind(limit)
                        .bind(at)
                        .bind(id),
                };
                let rows = query.fetch_all(&self.pool).await?;
                let items = rows
                    .into_iter()
                    .map(|r| r.into_domain(partner))
                    .collect::<$crate::storage::Result<Vec<_>>>()?;
                Ok($crate::storage::Page::from_rows(
                    items,
                    page.size,
                    AuditRow::page_key,
                ))
            }
        }
    };
}
pub(super) use role_store;
