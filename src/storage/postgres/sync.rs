//! [`SyncStore`] and [`SyncTx`] on Postgres: the partner's row lock, then
//! its customers' row locks in id order (two syncs never deadlock; a
//! submission waits for the sync of its customer, and the sync for it), then
//! the change set written in batches as an import writes (`write.rs`).

use async_trait::async_trait;
use futures::TryStreamExt;
use uuid::Uuid;

use super::{PgStore, PgTx, write};
use crate::domain::ids::PartnerId;
use crate::domain::sync::{ChangeSet, Stored};
use crate::storage::rows::{CustomerRow, SubscriptionRow, UserLicenseRow, add_user_row};
use crate::storage::sync::{STORED_CUSTOMERS, STORED_SUBSCRIPTIONS, STORED_USERS, updated};
use crate::storage::{Result, SyncStore, SyncTx};

#[async_trait]
impl SyncStore for PgStore {
    async fn lock_partner_data(&self, partner: PartnerId) -> Result<Option<Box<dyn SyncTx>>> {
        let mut tx = self.begin_write().await?;
        // The lock role changes take: two syncs of one partner run one
        // after the other, the second seeing the customers the first added.
        let found = sqlx::query("UPDATE partners SET name = name WHERE id = $1")
            .bind(partner.0)
            .execute(&mut *tx.0)
            .await?
            .rows_affected();
        if found == 0 {
            return Ok(None);
        }
        // The lock submissions take (`lock_customer`), on every customer.
        sqlx::query(include_str!("sql/lock_partner_customers.sql"))
            .bind(partner.0)
            .execute(&mut *tx.0)
            .await?;
        Ok(Some(Box::new(tx)))
    }
}

#[async_trait]
impl SyncTx for PgTx {
    async fn stored(&mut self, partner: PartnerId) -> Result<Stored> {
        let conn = &mut *self.0;
        let customers = sqlx::query_as::<_, CustomerRow>(STORED_CUSTOMERS)
            .bind(partner.0)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(CustomerRow::into_domain)
            .collect::<Result<_>>()?;
        // Streamed, each row converted as it arrives: a 250,000-subscription
        // partner's rows held beside the records made of them took a sync's
        // peak over 500 MiB (issue 16).
        let mut subscriptions = Vec::new();
        let mut rows = sqlx::query_as::<_, SubscriptionRow>(STORED_SUBSCRIPTIONS)
            .bind(partner.0)
            .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            subscriptions.push(row.into_domain()?);
        }
        drop(rows);
        let mut users = Vec::new();
        let mut rows = sqlx::query_as::<_, UserLicenseRow>(STORED_USERS)
            .bind(partner.0)
            .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            add_user_row(&mut users, row)?;
        }
        drop(rows);
        Ok(Stored {
            customers,
            subscriptions,
            users,
        })
    }

    async fn existing_ids(&mut self, ids: &[Uuid]) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(include_str!("sql/existing_ids.sql"))
            .bind(ids)
            .fetch_all(&mut *self.0)
            .await?)
    }

    async fn apply(&mut self, changes: &ChangeSet) -> Result<()> {
        let conn = &mut *self.0;
        write::delete_customer_users(conn, &changes.users.deleted).await?;
        write::insert_customers(conn, &changes.customers.inserted).await?;
        write::update_customers(conn, &updated(&changes.customers.updated)).await?;
        write::insert_subscriptions(conn, &changes.subscriptions.inserted).await?;
        write::update_subscriptions(conn, &updated(&changes.subscriptions.updated)).await?;
        write::mark_subscriptions_deleted(conn, &changes.subscriptions.deleted).await?;
        write::insert_customer_users(conn, &changes.users.inserted).await?;
        write::update_customer_users(conn, &updated(&changes.users.updated)).await?;
        // A submission that read one of these customers before this sync
        // can no longer write on what it read (migration 0009).
        let touched: Vec<Uuid> = changes.customers_touched().iter().map(|c| c.0).collect();
        sqlx::query("UPDATE customers SET version = version + 1 WHERE id = ANY($1)")
            .bind(touched)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
