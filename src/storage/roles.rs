//! Roles of partner users and the audit log. A role change is a [`RoleTx`]:
//! it starts by taking the partner's lock, so the changes of one partner run
//! one after the other and the last-global-admin rule (`crate::app::roles`,
//! `domain::roles`) is checked on a count no concurrent revoke can change
//! until it commits.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Page, PageRequest, Result, Tx};
use crate::domain::audit::AuditRecord;
use crate::domain::ids::{PartnerId, PartnerUserId};
use crate::domain::model::{PartnerUser, Role};

/// A time window of the audit log: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Starts a writing transaction holding the partner's lock.
    async fn lock_partner(&self, partner: PartnerId) -> Result<Box<dyn RoleTx>>;

    /// The partner's audit records in `range`, newest first.
    async fn list_audit_records(
        &self,
        partner: PartnerId,
        range: &TimeRange,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>>;
}

/// A transaction that holds a partner's lock (see [`RoleStore::lock_partner`]).
#[async_trait]
pub trait RoleTx: Tx {
    /// A user of the partner with their roles, as this transaction sees them.
    async fn partner_user(
        &mut self,
        partner: PartnerId,
        user: PartnerUserId,
    ) -> Result<Option<PartnerUser>>;

    /// How many users of the partner hold `GLOBAL_ADMIN`.
    async fn count_global_admins(&mut self, partner: PartnerId) -> Result<i64>;

    /// Grants `role`; false when the user already held it.
    async fn grant(&mut self, user: PartnerUserId, role: Role) -> Result<bool>;

    /// Revokes `role`; false when the user did not hold it.
    async fn revoke(&mut self, user: PartnerUserId, role: Role) -> Result<bool>;
}
