//! Importing a validated dataset into Postgres: a statement per row.

use sqlx::PgConnection;

use crate::domain::dataset::ValidDataset;
use crate::storage::import::*;
use crate::storage::rows::{
    INSERT_SUBSCRIPTION, already_exists, bind_subscription, conflict, disabled_services_json,
    stored_time,
};
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
    for c in &data.customers {
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
            .await
            .map_err(|e| conflict(e, already_exists(format!("customer {}", c.id), &[])))?;
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
    }
    for s in parents_first(&data.subscriptions) {
        bind_subscription(sqlx::query(&INSERT_SUBSCRIPTION), s)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict(e, already_exists(format!("subscription {}", s.id), &[])))?;
    }
    for u in &data.customer_users {
        sqlx::query(INSERT_CUSTOMER_USER)
            .bind(u.id.0)
            .bind(u.customer_id.0)
            .bind(&u.upn)
            .bind(&u.display_name)
            .bind(u.sign_in_blocked)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                conflict(
                    e,
                    already_exists(format!("customer user {}", u.id), &["upn"]),
                )
            })?;
        for l in &u.licenses {
            sqlx::query(INSERT_LICENSE)
                .bind(u.customer_id.0)
                .bind(u.id.0)
                .bind(l.subscription_id.0)
                .bind(disabled_services_json(l))
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    conflict(e, |_| {
                        format!(
                            "customer user {}: license of subscription {} already exists",
                            u.id, l.subscription_id
                        )
                    })
                })?;
        }
    }
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
