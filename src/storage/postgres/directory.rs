//! [`Directory`] on Postgres.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::PgStore;
use super::subscription_page::subscription_page_on;
use crate::domain::ids::{CustomerId, PartnerId, PartnerUserId, SubscriptionId};
use crate::domain::model::{Customer, CustomerSnapshot, Partner, PartnerUser};
use crate::storage::rows::{self, CustomerRow, PartnerRow, PartnerUserRow, SnapshotRow};
use crate::storage::{
    CustomerFilter, Directory, Page, PageRequest, Result, SubscriptionFilter, SubscriptionPage,
};

pub(super) async fn partner_user_on(
    conn: &mut PgConnection,
    partner: PartnerId,
    user: PartnerUserId,
) -> Result<Option<PartnerUser>> {
    sqlx::query_as::<_, PartnerUserRow>(include_str!("../sql/partner_user.sql"))
        .bind(partner.0)
        .bind(user.0)
        .fetch_optional(&mut *conn)
        .await?
        .map(PartnerUserRow::into_domain)
        .transpose()
}

pub(super) async fn customer_on(
    conn: &mut PgConnection,
    partner: PartnerId,
    customer: CustomerId,
) -> Result<Option<Customer>> {
    sqlx::query_as::<_, CustomerRow>(include_str!("../sql/customer.sql"))
        .bind(partner.0)
        .bind(customer.0)
        .fetch_optional(&mut *conn)
        .await?
        .map(CustomerRow::into_domain)
        .transpose()
}

/// A customer's snapshot, read on `conn` in one statement (so at one
/// moment, in a transaction or not).
pub(super) async fn snapshot_on(
    conn: &mut PgConnection,
    partner: PartnerId,
    customer: CustomerId,
) -> Result<Option<CustomerSnapshot>> {
    sqlx::query_as::<_, SnapshotRow>(include_str!("sql/snapshots.sql"))
        .bind(partner.0)
        .bind(customer.0)
        .bind(customer.0)
        .fetch_optional(&mut *conn)
        .await?
        .map(SnapshotRow::into_domain)
        .transpose()
}

#[async_trait]
impl Directory for PgStore {
    async fn partner(&self, partner: PartnerId) -> Result<Option<Partner>> {
        Ok(
            sqlx::query_as::<_, PartnerRow>("SELECT id, name FROM partners WHERE id = $1")
                .bind(partner.0)
                .fetch_optional(&self.pool)
                .await?
                .map(PartnerRow::into_domain),
        )
    }

    async fn partner_exists(&self, partner: PartnerId) -> Result<bool> {
        Ok(self.partner(partner).await?.is_some())
    }

    async fn partner_user_by_upn(&self, upn: &str) -> Result<Option<PartnerUser>> {
        sqlx::query_as::<_, PartnerUserRow>(include_str!("../sql/partner_user_by_upn.sql"))
            .bind(upn.to_lowercase())
            .fetch_optional(&self.pool)
            .await?
            .map(PartnerUserRow::into_domain)
            .transpose()
    }

    async fn partner_user(
        &self,
        partner: PartnerId,
        user: PartnerUserId,
    ) -> Result<Option<PartnerUser>> {
        let mut conn = self.pool.acquire().await?;
        partner_user_on(&mut conn, partner, user).await
    }

    async fn list_partner_users(
        &self,
        partner: PartnerId,
        page: &PageRequest,
    ) -> Result<Page<PartnerUser>> {
        let after = page.after.as_ref().map(rows::text_after).transpose()?;
        let limit = i64::from(page.size) + 1;
        let query = match after {
            None => sqlx::query_as(include_str!("../sql/partner_users_first.sql"))
                .bind(partner.0)
                .bind(limit),
            Some((upn, id)) => sqlx::query_as(include_str!("../sql/partner_users_after.sql"))
                .bind(partner.0)
                .bind(limit)
                .bind(upn)
                .bind(id),
        };
        let found: Vec<PartnerUserRow> = query.fetch_all(&self.pool).await?;
        rows::page(
            found,
            PartnerUserRow::into_domain,
            page.size,
            PartnerUserRow::page_key,
        )
    }

    async fn list_customers(
        &self,
        partner: PartnerId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        let CustomerFilter {
            name_prefix,
            country,
        } = filter;
        let after = page.after.as_ref().map(rows::text_after).transpose()?;
        let limit = i64::from(page.size) + 1;
        let query = match after {
            None => sqlx::query_as(include_str!("../sql/customers_first.sql"))
                .bind(partner.0)
                .bind(limit)
                .bind(name_prefix)
                .bind(country),
            Some((name, id)) => sqlx::query_as(include_str!("../sql/customers_after.sql"))
                .bind(partner.0)
                .bind(limit)
                .bind(name)
                .bind(id)
                .bind(name_prefix)
                .bind(country),
        };
        let found: Vec<CustomerRow> = query.fetch_all(&self.pool).await?;
        rows::page(
            found,
            CustomerRow::into_domain,
            page.size,
            CustomerRow::page_key,
        )
    }

    async fn customer_size(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<u64>> {
        let found: Option<(i64,)> = sqlx::query_as(include_str!("../sql/customer_size.sql"))
            .bind(partner.0)
            .bind(customer.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.map(|(n,)| n.unsigned_abs()))
    }

    async fn customer_sizes(
        &self,
        partner: PartnerId,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<(CustomerId, u64)>> {
        let query = match after {
            None => sqlx::query_as(include_str!("../sql/customer_sizes_first.sql"))
                .bind(partner.0)
                .bind(i64::from(limit)),
            Some(after) => sqlx::query_as(include_str!("../sql/customer_sizes_after.sql"))
                .bind(partner.0)
                .bind(i64::from(limit))
                .bind(after.0),
        };
        let found: Vec<(uuid::Uuid, i64)> = query.fetch_all(&self.pool).await?;
        Ok(found
            .into_iter()
            .map(|(id, n)| (CustomerId(id), n.unsigned_abs()))
            .collect())
    }

    async fn snapshots_between(
        &self,
        partner: PartnerId,
        first: CustomerId,
        last: CustomerId,
    ) -> Result<Vec<CustomerSnapshot>> {
        // One statement: one moment for the whole batch.
        sqlx::query_as::<_, SnapshotRow>(include_str!("sql/snapshots.sql"))
            .bind(partner.0)
            .bind(first.0)
            .bind(last.0)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(SnapshotRow::into_domain)
            .collect()
    }

    async fn customer(&self, partner: PartnerId, customer: CustomerId) -> Result<Option<Customer>> {
        let mut conn = self.pool.acquire().await?;
        customer_on(&mut conn, partner, customer).await
    }

    async fn snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<Arc<CustomerSnapshot>>> {
        let mut conn = self.pool.acquire().await?;
        let snapshot = snapshot_on(&mut conn, partner, customer).await?;
        Ok(snapshot.map(Arc::new))
    }

    async fn subscription_page(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        filter: &SubscriptionFilter,
        after: Option<(DateTime<Utc>, SubscriptionId)>,
        limit: u32,
    ) -> Result<Option<SubscriptionPage>> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        let page = subscription_page_on(&mut tx, partner, customer, filter, after, limit).await?;
        tx.commit().await?;
        Ok(page)
    }
}
