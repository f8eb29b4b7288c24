//! [`SyncStore`] and [`SyncTx`] on SQLite: a statement per row, in the
//! transaction that `BEGIN IMMEDIATE` made the database's only writer.

use async_trait::async_trait;
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::{SqliteStore, SqliteTx};
use crate::domain::ids::PartnerId;
use crate::domain::model::{Customer, CustomerUser};
use crate::domain::sync::{ChangeSet, Stored};
use crate::storage::import::{
    INSERT_CUSTOMER, INSERT_CUSTOMER_USER, INSERT_DELEGATED_ROLE, INSERT_INCIDENT, INSERT_LICENSE,
    parents_first,
};
use crate::storage::rows::{
    CustomerRow, INSERT_SUBSCRIPTION, SubscriptionRow, UserLicenseRow, bind_subscription,
    disabled_services_json, users_from_rows,
};
use crate::storage::sync::*;
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
        let subscriptions = sqlx::query_as::<_, SubscriptionRow>(STORED_SUBSCRIPTIONS)
            .bind(partner.0)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(SubscriptionRow::into_domain)
            .collect::<Result<_>>()?;
        let users = users_from_rows(
            sqlx::query_as::<_, UserLicenseRow>(STORED_USERS)
                .bind(partner.0)
                .fetch_all(&mut *conn)
                .await?,
        )?;
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
        for u in &changes.users.deleted {
            sqlx::query(DELETE_LICENSES)
                .bind(u.id.0)
                .execute(&mut *conn)
                .await?;
            sqlx::query(DELETE_CUSTOMER_USER)
                .bind(u.customer_id.0)
                .bind(u.id.0)
                .execute(&mut *conn)
                .await?;
        }
        for c in &changes.customers.inserted {
            sqlx::query(INSERT_CUSTOMER)
                .bind(c.id.0)
                .bind(c.partner_id.0)
                .bind(&c.name)
                .bind(&c.country)
                .bind(c.segment.as_str())
                .bind(c.custom_domain)
                .bind(c.unpaid_balance)
                .bind(c.delegated_admin.status.as_str())
                .execute(&mut *conn)
                .await?;
            customer_lists(conn, c).await?;
        }
        for c in &changes.customers.updated {
            let c = &c.record;
            sqlx::query(UPDATE_CUSTOMER)
                .bind(c.partner_id.0)
                .bind(c.id.0)
                .bind(&c.name)
                .bind(&c.country)
                .bind(c.segment.as_str())
                .bind(c.custom_domain)
                .bind(c.unpaid_balance)
                .bind(c.delegated_admin.status.as_str())
                .execute(&mut *conn)
                .await?;
            customer_lists(conn, c).await?;
        }
        for s in parents_first(&changes.subscriptions.inserted) {
            bind_subscription(sqlx::query(&INSERT_SUBSCRIPTION), s)
                .execute(&mut *conn)
                .await?;
        }
        for s in &changes.subscriptions.updated {
            bind_subscription(sqlx::query(UPDATE_SUBSCRIPTION), &s.record)
                .execute(&mut *conn)
                .await?;
        }
        for s in &changes.subscriptions.deleted {
            sqlx::query(MARK_SUBSCRIPTION_DELETED)
                .bind(s.customer_id.0)
                .bind(s.id.0)
                .execute(&mut *conn)
                .await?;
        }
        for u in &changes.users.inserted {
            sqlx::query(INSERT_CUSTOMER_USER)
                .bind(u.id.0)
                .bind(u.customer_id.0)
                .bind(&u.upn)
                .bind(&u.display_name)
                .bind(u.sign_in_blocked)
                .execute(&mut *conn)
                .await?;
            licenses(conn, u).await?;
        }
        for u in &changes.users.updated {
            let u = &u.record;
            sqlx::query(UPDATE_CUSTOMER_USER)
                .bind(u.id.0)
                .bind(u.customer_id.0)
                .bind(&u.upn)
                .bind(&u.display_name)
                .bind(u.sign_in_blocked)
                .execute(&mut *conn)
                .await?;
            sqlx::query(DELETE_LICENSES)
                .bind(u.id.0)
                .execute(&mut *conn)
                .await?;
            licenses(conn, u).await?;
        }
        Ok(())
    }
}

/// Writes a customer's delegated roles and incidents anew.
async fn customer_lists(conn: &mut SqliteConnection, c: &Customer) -> Result<()> {
    sqlx::query(DELETE_DELEGATED_ROLES)
        .bind(c.id.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query(DELETE_INCIDENTS)
        .bind(c.id.0)
        .execute(&mut *conn)
        .await?;
    for role in &c.delegated_admin.roles {
        sqlx::query(INSERT_DELEGATED_ROLE)
            .bind(c.id.0)
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    }
    for service in &c.service_incidents {
        sqlx::query(INSERT_INCIDENT)
            .bind(c.id.0)
            .bind(service)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn licenses(conn: &mut SqliteConnection, u: &CustomerUser) -> Result<()> {
    for l in &u.licenses {
        sqlx::query(INSERT_LICENSE)
            .bind(u.customer_id.0)
            .bind(u.id.0)
            .bind(l.subscription_id.0)
            .bind(disabled_services_json(l))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
