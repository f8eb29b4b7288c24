//! The audit log.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Type};
use uuid::Uuid;

use super::{Bound, insert_statement, stored_time};
use crate::domain::audit::{Actor, AuditAction, AuditOutcome, AuditRecord, AuditTarget, Refusal};
use crate::domain::ids::{AuditRecordId, PartnerId, PartnerUserId};
use crate::domain::model::Role;
use crate::storage::{Result, StorageError};

/// A row of `audit_records`, written by [`bind_audit`] into the statement
/// of [`AuditRow::COLUMNS`].
#[derive(sqlx::FromRow)]
pub(in crate::storage) struct AuditRow {
    id: Uuid,
    /// `user:<upn>` or `app:<app id>`.
    actor: String,
    actor_user_id: Option<Uuid>,
    action: String,
    target: String,
    role: Option<String>,
    outcome: String,
    reason: Option<String>,
    at: DateTime<Utc>,
    /// A JSON object of strings.
    details: String,
}

fn corrupt(what: &str, value: &str) -> StorageError {
    StorageError::Corrupt(format!("audit record: {what} {value:?}"))
}

impl AuditRow {
    /// The columns [`bind_audit`] binds, in its order.
    pub(in crate::storage) const COLUMNS: &[&str] = &[
        "id",
        "partner_id",
        "actor",
        "actor_user_id",
        "action",
        "target",
        "role",
        "outcome",
        "reason",
        "at",
        "details",
    ];

    pub(in crate::storage) fn into_domain(self, partner_id: PartnerId) -> Result<AuditRecord> {
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
        let details: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&self.details).map_err(|_| corrupt("details", &self.details))?;
        Ok(AuditRecord {
            id: AuditRecordId(self.id),
            partner_id,
            at: self.at,
            actor,
            action: AuditAction::parse(&self.action)
                .ok_or_else(|| corrupt("action", &self.action))?,
            target: AuditTarget::parse(&self.target)
                .ok_or_else(|| corrupt("target", &self.target))?,
            role: self
                .role
                .map(|r| Role::parse(&r).ok_or_else(|| corrupt("role", &r)))
                .transpose()?,
            outcome: AuditOutcome::parse(&self.outcome)
                .ok_or_else(|| corrupt("outcome", &self.outcome))?,
            refusal: self
                .reason
                .map(|r| Refusal::parse(&r).ok_or_else(|| corrupt("reason", &r)))
                .transpose()?,
            // Values that are not strings are kept in their JSON text.
            details: details
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
        })
    }

    /// The keyset paging key: (at, id).
    pub(in crate::storage) fn page_key(r: &AuditRecord) -> (String, String) {
        super::time_key(r.at, r.id)
    }
}

/// Inserts an audit record (see [`bind_audit`]).
pub(in crate::storage) static INSERT_AUDIT: LazyLock<String> =
    LazyLock::new(|| insert_statement("audit_records", AuditRow::COLUMNS));

/// An audit record as `audit_records` stores it, column by column in the
/// order of [`AuditRow::COLUMNS`]: what [`bind_audit`] binds, and the JSON
/// object Postgres' one-statement write (insert_orders_at_versions.sql) reads
/// by column name.
#[derive(serde::Serialize)]
pub(in crate::storage) struct NewAuditRow<'a> {
    id: Uuid,
    partner_id: Uuid,
    actor: String,
    actor_user_id: Option<Uuid>,
    action: &'a str,
    target: String,
    role: Option<&'a str>,
    outcome: &'a str,
    reason: Option<&'a str>,
    at: DateTime<Utc>,
    details: String,
}

impl<'a> NewAuditRow<'a> {
    pub(in crate::storage) fn of(r: &'a AuditRecord) -> Self {
        let (actor, actor_user_id) = match &r.actor {
            Actor::User { id, upn } => (format!("user:{upn}"), Some(id.0)),
            Actor::App { app_id } => (format!("app:{app_id}"), None),
        };
        NewAuditRow {
            id: r.id.0,
            partner_id: r.partner_id.0,
            actor,
            actor_user_id,
            action: r.action.as_str(),
            target: r.target.label(),
            role: r.role.map(|role| role.as_str()),
            outcome: r.outcome.as_str(),
            reason: r.refusal.map(|refusal| refusal.as_str()),
            at: stored_time(r.at),
            details: serde_json::to_string(&r.details).expect("a map of strings serializes"),
        }
    }
}

/// Binds an audit record as [`AuditRow::COLUMNS`] lists its columns (see
/// [`NewAuditRow`]).
pub(in crate::storage) fn bind_audit<'q, DB>(
    query: Bound<'q, DB>,
    r: &'q AuditRecord,
) -> Bound<'q, DB>
where
    DB: Database,
    Uuid: Encode<'q, DB> + Type<DB>,
    Option<Uuid>: Encode<'q, DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    let row = NewAuditRow::of(r);
    query
        .bind(row.id)
        .bind(row.partner_id)
        .bind(row.actor)
        .bind(row.actor_user_id)
        .bind(row.action)
        .bind(row.target)
        .bind(row.role)
        .bind(row.outcome)
        .bind(row.reason)
        .bind(row.at)
        .bind(row.details)
}
