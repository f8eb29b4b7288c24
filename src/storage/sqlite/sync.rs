//! [`SyncStore`] and [`SyncTx`] on SQLite: the change set written as an
//! import writes (`write.rs`), in the transaction that `BEGIN IMMEDIATE`
//! made the database's only writer.

use async_trait::async_trait;
use futures::TryStreamExt;
use uuid::Uuid;

use super::{SqliteStore, SqliteTx, write};
use crate::domain::ids::PartnerId;
use crate::domain::sync::{ChangeSet, Stored};
use crate::storage::rows::{CustomerRow, SubscriptionRow, UserLicenseRow, add_user_row};
use crate::storage::sync::{STORED_CUSTOMERS, STORED_SUBSCRIPTIONS, STORED_USERS, updated};
use crate::storage::{Result, SyncStore, SyncTx};

/// Ids looked up per statement: SQLite binds at most 32,766 values.
const IDS_PER_LOOKUP: usize = 500;

#[async_trait]
impl SyncStore for SqliteStore {
    async fn lock_partner_data(&self, partner: PartnerId) -> Result<Option<Box<dyn SyncTx>>> {
        // The write lock is every customer's lock; the partner must exist.
        let mut tx = self.begin_write().await?;
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM partners WHERE id = $1")
            .bind(partner.0)
            .fetch_optional(&mut *tx.0)
            .await?;
        Ok(found.map(|_| Box::new(tx) as Box<dyn SyncTx>))
    }
}

#[async_trait]
impl SyncTx for SqliteTx {
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
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            let list = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT id FROM customers WHERE id IN ({list}) \
                 UNION ALL SELECT id FROM subscriptions WHERE id IN ({list}) \
                 UNION ALL SELECT id FROM customer_users WHERE id IN ({list})"
            );
            let mut query = sqlx::query_scalar::<_, Uuid>(&sql);
            for _ in 0..3 {
                for id in chunk {
                    query = query.bind(*id);
                }
            }
            found.extend(query.fetch_all(&mut *self.0).await?);
        }
        Ok(found)
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
        write::update_customer_users(conn, &updated(&changes.users.updated)).await
    }
}
