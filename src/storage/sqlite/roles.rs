//! [`RoleStore`] and [`RoleTx`] on SQLite.

use async_trait::async_trait;

use super::{SqliteStore, SqliteTx, directory};
use crate::domain::audit::AuditRecord;
use crate::domain::ids::{PartnerId, PartnerUserId};
use crate::domain::model::{PartnerUser, Role};
use crate::storage::rows::{self, AuditRow, stored_time};
use crate::storage::{Page, PageRequest, Result, RoleStore, RoleTx, TimeRange};

#[async_trait]
impl RoleStore for SqliteStore {
    /// BEGIN IMMEDIATE holds the database's write lock, every partner's.
    async fn lock_partner(&self, _partner: PartnerId) -> Result<Box<dyn RoleTx>> {
        Ok(Box::new(self.begin_write().await?))
    }

    async fn list_audit_records(
        &self,
        partner: PartnerId,
        range: &TimeRange,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let after = page.after.as_ref().map(rows::time_after).transpose()?;
        let limit = i64::from(page.size) + 1;
        let (start, end) = (range.start.map(stored_time), range.end.map(stored_time));
        let query = match after {
            None => sqlx::query_as(include_str!("../sql/audit_first.sql"))
                .bind(partner.0)
                .bind(start)
                .bind(end)
                .bind(limit),
            Some((at, id)) => sqlx::query_as(include_str!("../sql/audit_after.sql"))
                .bind(partner.0)
                .bind(start)
                .bind(end)
                .bind(limit)
                .bind(at)
                .bind(id),
        };
        let found: Vec<AuditRow> = query.fetch_all(&self.pool).await?;
        let items = found
            .into_iter()
            .map(|r| r.into_domain(partner))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.size, AuditRow::page_key))
    }
}

#[async_trait]
impl RoleTx for SqliteTx {
    async fn partner_user(
        &mut self,
        partner: PartnerId,
        user: PartnerUserId,
    ) -> Result<Option<PartnerUser>> {
        directory::partner_user_on(&mut self.0, partner, user).await
    }

    async fn count_global_admins(&mut self, partner: PartnerId) -> Result<i64> {
        Ok(
            sqlx::query_scalar(include_str!("../sql/count_global_admins.sql"))
                .bind(partner.0)
                .fetch_one(&mut *self.0)
                .await?,
        )
    }

    async fn grant(&mut self, user: PartnerUserId, role: Role) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO partner_user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user.0)
        .bind(role.as_str())
        .execute(&mut *self.0)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke(&mut self, user: PartnerUserId, role: Role) -> Result<bool> {
        let done = sqlx::query("DELETE FROM partner_user_roles WHERE user_id = $1 AND role = $2")
            .bind(user.0)
            .bind(role.as_str())
            .execute(&mut *self.0)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
