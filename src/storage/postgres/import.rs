//! Importing a validated dataset into Postgres: partners, their staff and
//! orders a statement per row (a handful); customers' data in batches, as
//! sync writes it (`write.rs`).

use sqlx::PgConnection;

use super::write;
use crate::domain::dataset::ValidDataset;
use crate::storage::import::*;
use crate::storage::rows::{already_exists, conflict, stored_time};
use crate::storage::{ImportSummary, Result};

pub(super) async fn import_on(
    conn: &mut PgConnection,
    data: &ValidDataset,
) -> Result<ImportSummary> {
    for p in &data.partners {
        sqlx::query(INSERT_PARTNER)
            .bind(p.id.0)
            .bind(&p.name)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict(e, already_exists(format!("partner {}", p.id), &[])))?;
    }
    for u in &data.partner_users {
        sqlx::query(INSERT_PARTNER_USER)
            .bind(u.id.0)
            .bind(u.partner_id.0)
            .bind(u.upn.to_lowercase())
            .bind(&u.display_name)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                conflict(
                    e,
                    already_exists(format!("partner user {}", u.id), &["upn"]),
                )
            })?;
        for role in &u.roles {
            sqlx::query(INSERT_PARTNER_USER_ROLE)
                .bind(u.id.0)
                .bind(role.as_str())
                .execute(&mut *conn)
                .await?;
        }
    }
    write::insert_customers(conn, &data.customers).await?;
    write::insert_subscriptions(conn, &data.subscriptions).await?;
    write::insert_customer_users(conn, &data.customer_users).await?;
    for o in &data.orders {
        let created = stored_time(o.summary.created_at);
        sqlx::query(INSERT_IMPORTED_ORDER)
            .bind(o.summary.id.0)
            .bind(o.partner_id.0)
            .bind(o.summary.customer_id.0)
            .bind(o.submitted_by.0)
            .bind(o.summary.source_subscription_id.0)
            .bind(o.summary.target_offer_id.as_str())
            .bind(o.quantity)
            .bind(o.upgrade_type.as_str())
            .bind(o.summary.state.as_str())
            .bind(created)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict(e, already_exists(format!("order {}", o.summary.id), &[])))?;
        sqlx::query(INSERT_ORDER_EVENT)
            .bind(o.summary.id.0)
            .bind(1_i64)
            .bind(o.summary.state.as_str())
            .bind(created)
            .bind("imported")
            .execute(&mut *conn)
            .await?;
    }
    Ok(summary(data))
}
