//! The rows of a customer's data, written the same way by `import` and
//! `sync`: a statement per kind of row and per [`ROWS_PER_STATEMENT`] rows,
//! each binding one array per column that `UNNEST` turns back into rows.
//! A statement per row made a first sync of a 250,000-subscription partner
//! (about 1.2 million rows with users and licenses) a round trip per row.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{PgConnection, Postgres, Row};
use uuid::Uuid;

use crate::domain::model::{Customer, CustomerUser, Subscription};
use crate::storage::import::parents_first;
use crate::storage::rows::{disabled_services_json, stored_time};
use crate::storage::{Result, StorageError};

/// Rows bound into one statement (each column an array of this many).
const ROWS_PER_STATEMENT: usize = 5_000;

/// Inserts customers with their delegated roles and incidents. A customer
/// whose id is taken fails the whole write, naming it.
pub(super) async fn insert_customers(
    conn: &mut PgConnection,
    customers: &[Customer],
) -> Result<()> {
    let customers: Vec<&Customer> = customers.iter().collect();
    for chunk in customers.chunks(ROWS_PER_STATEMENT) {
        let c = CustomerColumns::of(chunk);
        let written = c
            .bind(include_str!("sql/insert_customers.sql"))
            .fetch_all(&mut *conn)
            .await?;
        if let Some(taken) = first_skipped(&c.id, &written)? {
            return Err(StorageError::Conflict(format!(
                "customer {taken}: id already exists"
            )));
        }
    }
    write_customer_children(conn, &customers).await
}

/// Writes customers' fields anew, and their delegated roles and incidents.
pub(super) async fn update_customers(
    conn: &mut PgConnection,
    customers: &[&Customer],
) -> Result<()> {
    for chunk in customers.chunks(ROWS_PER_STATEMENT) {
        let c = CustomerColumns::of(chunk);
        c.bind(include_str!("sql/update_customers.sql"))
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM customer_delegated_roles WHERE customer_id = ANY($1)")
            .bind(&c.id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM customer_service_incidents WHERE customer_id = ANY($1)")
            .bind(&c.id)
            .execute(&mut *conn)
            .await?;
    }
    write_customer_children(conn, customers).await
}

/// The rows a customer's own record carries: its delegated roles and its
/// services' incidents (none may be stored yet).
async fn write_customer_children(conn: &mut PgConnection, customers: &[&Customer]) -> Result<()> {
    let roles: Vec<(Uuid, &str)> = customers
        .iter()
        .flat_map(|c| {
            c.delegated_admin
                .roles
                .iter()
                .map(move |r| (c.id.0, r.as_str()))
        })
        .collect();
    for chunk in roles.chunks(ROWS_PER_STATEMENT) {
        let (ids, roles): (Vec<Uuid>, Vec<&str>) = chunk.iter().copied().unzip();
        sqlx::query(
            "INSERT INTO customer_delegated_roles (customer_id, role) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[])",
        )
        .bind(ids)
        .bind(roles)
        .execute(&mut *conn)
        .await?;
    }
    let incidents: Vec<(Uuid, &str)> = customers
        .iter()
        .flat_map(|c| {
            c.service_incidents
                .iter()
                .map(move |s| (c.id.0, s.as_str()))
        })
        .collect();
    for chunk in incidents.chunks(ROWS_PER_STATEMENT) {
        let (ids, services): (Vec<Uuid>, Vec<&str>) = chunk.iter().copied().unzip();
        sqlx::query(
            "INSERT INTO customer_service_incidents (customer_id, service_id) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[])",
        )
        .bind(ids)
        .bind(services)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts subscriptions, bases in statements no later than their add-ons'.
/// One whose id is taken fails the whole write, naming it.
pub(super) async fn insert_subscriptions(
    conn: &mut PgConnection,
    subscriptions: &[Subscription],
) -> Result<()> {
    for chunk in parents_first(subscriptions).chunks(ROWS_PER_STATEMENT) {
        let s = SubscriptionColumns::of(chunk);
        let written = s
            .bind(include_str!("sql/insert_subscriptions.sql"))
            .fetch_all(&mut *conn)
            .await?;
        if let Some(taken) = first_skipped(&s.id, &written)? {
            return Err(StorageError::Conflict(format!(
                "subscription {taken}: id already exists"
            )));
        }
    }
    Ok(())
}

/// Writes subscriptions' fields anew (never their customer).
pub(super) async fn update_subscriptions(
    conn: &mut PgConnection,
    subscriptions: &[&Subscription],
) -> Result<()> {
    for chunk in subscriptions.chunks(ROWS_PER_STATEMENT) {
        SubscriptionColumns::of(chunk)
            .bind(include_str!("sql/update_subscriptions.sql"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks subscriptions `DELETED`, keeping them for the orders that name them.
pub(super) async fn mark_subscriptions_deleted(
    conn: &mut PgConnection,
    subscriptions: &[Subscription],
) -> Result<()> {
    for chunk in subscriptions.chunks(ROWS_PER_STATEMENT) {
        let ids: Vec<Uuid> = chunk.iter().map(|s| s.id.0).collect();
        sqlx::query("UPDATE subscriptions SET status = 'DELETED' WHERE id = ANY($1)")
            .bind(ids)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Inserts customer users with their licenses. One whose id or UPN is
/// taken fails the whole write, naming it and the key.
pub(super) async fn insert_customer_users(
    conn: &mut PgConnection,
    users: &[CustomerUser],
) -> Result<()> {
    let users: Vec<&CustomerUser> = users.iter().collect();
    for chunk in users.chunks(ROWS_PER_STATEMENT) {
        let u = UserColumns::of(chunk);
        let written = u
            .bind(include_str!("sql/insert_customer_users.sql"))
            .fetch_all(&mut *conn)
            .await?;
        if let Some(taken) = first_skipped(&u.id, &written)? {
            let id_taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customer_users WHERE id = $1)")
                    .bind(taken)
                    .fetch_one(&mut *conn)
                    .await?;
            let key = if id_taken { "id" } else { "upn" };
            return Err(StorageError::Conflict(format!(
                "customer user {taken}: {key} already exists"
            )));
        }
    }
    insert_licenses(conn, &users).await
}

/// Writes customer users' fields anew, and their licenses.
pub(super) async fn update_customer_users(
    conn: &mut PgConnection,
    users: &[&CustomerUser],
) -> Result<()> {
    for chunk in users.chunks(ROWS_PER_STATEMENT) {
        let u = UserColumns::of(chunk);
        u.bind(include_str!("sql/update_customer_users.sql"))
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM user_licenses WHERE user_id = ANY($1)")
            .bind(&u.id)
            .execute(&mut *conn)
            .await?;
    }
    insert_licenses(conn, users).await
}

/// Removes customer users and their licenses.
pub(super) async fn delete_customer_users(
    conn: &mut PgConnection,
    users: &[CustomerUser],
) -> Result<()> {
    for chunk in users.chunks(ROWS_PER_STATEMENT) {
        let ids: Vec<Uuid> = chunk.iter().map(|u| u.id.0).collect();
        sqlx::query("DELETE FROM user_licenses WHERE user_id = ANY($1)")
            .bind(&ids)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM customer_users WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_licenses(conn: &mut PgConnection, users: &[&CustomerUser]) -> Result<()> {
    let licenses: Vec<(Uuid, Uuid, Uuid, String)> = users
        .iter()
        .flat_map(|u| {
            u.licenses.iter().map(move |l| {
                (
                    u.customer_id.0,
                    u.id.0,
                    l.subscription_id.0,
                    disabled_services_json(l),
                )
            })
        })
        .collect();
    for chunk in licenses.chunks(ROWS_PER_STATEMENT) {
        let mut customer = Vec::with_capacity(chunk.len());
        let mut user = Vec::with_capacity(chunk.len());
        let mut subscription = Vec::with_capacity(chunk.len());
        let mut disabled = Vec::with_capacity(chunk.len());
        for (c, u, s, d) in chunk {
            customer.push(*c);
            user.push(*u);
            subscription.push(*s);
            disabled.push(d.as_str());
        }
        sqlx::query(include_str!("sql/insert_licenses.sql"))
            .bind(customer)
            .bind(user)
            .bind(subscription)
            .bind(disabled)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A statement being bound.
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

/// The first of `ids` (in their order) that an insert did not write: the
/// rows it returned each carry the `id` written.
fn first_skipped(ids: &[Uuid], written: &[PgRow]) -> Result<Option<Uuid>> {
    if written.len() == ids.len() {
        return Ok(None);
    }
    let written = written
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<std::result::Result<HashSet<Uuid>, _>>()?;
    Ok(ids.iter().find(|id| !written.contains(id)).copied())
}

/// Customers as one array per column, in the order the customer
/// statements bind them.
struct CustomerColumns<'a> {
    id: Vec<Uuid>,
    partner_id: Vec<Uuid>,
    name: Vec<&'a str>,
    country: Vec<&'a str>,
    segment: Vec<&'static str>,
    custom_domain: Vec<bool>,
    unpaid_balance: Vec<bool>,
    relationship_status: Vec<&'static str>,
}

impl<'a> CustomerColumns<'a> {
    fn of(customers: &[&'a Customer]) -> Self {
        CustomerColumns {
            id: customers.iter().map(|c| c.id.0).collect(),
            partner_id: customers.iter().map(|c| c.partner_id.0).collect(),
            name: customers.iter().map(|c| c.name.as_str()).collect(),
            country: customers.iter().map(|c| c.country.as_str()).collect(),
            segment: customers.iter().map(|c| c.segment.as_str()).collect(),
            custom_domain: customers.iter().map(|c| c.custom_domain).collect(),
            unpaid_balance: customers.iter().map(|c| c.unpaid_balance).collect(),
            relationship_status: customers
                .iter()
                .map(|c| c.delegated_admin.status.as_str())
                .collect(),
        }
    }

    fn bind<'q>(&'q self, sql: &'q str) -> PgQuery<'q> {
        sqlx::query(sql)
            .bind(&self.id)
            .bind(&self.partner_id)
            .bind(&self.name)
            .bind(&self.country)
            .bind(&self.segment)
            .bind(&self.custom_domain)
            .bind(&self.unpaid_balance)
            .bind(&self.relationship_status)
    }
}

/// Subscriptions as one array per column, in the order the subscription
/// statements bind them.
struct SubscriptionColumns<'a> {
    id: Vec<Uuid>,
    customer_id: Vec<Uuid>,
    offer_id: Vec<&'a str>,
    channel: Vec<&'static str>,
    status: Vec<&'static str>,
    provisioned: Vec<bool>,
    quantity: Vec<i64>,
    assigned_seats: Vec<i64>,
    billing_cycle: Vec<&'static str>,
    payment_method: Vec<&'static str>,
    trial: Vec<bool>,
    parent_id: Vec<Option<Uuid>>,
    period_start: Vec<DateTime<Utc>>,
    period_end: Vec<DateTime<Utc>>,
    created_at: Vec<DateTime<Utc>>,
}

impl<'a> SubscriptionColumns<'a> {
    fn of(subscriptions: &[&'a Subscription]) -> Self {
        SubscriptionColumns {
            id: subscriptions.iter().map(|s| s.id.0).collect(),
            customer_id: subscriptions.iter().map(|s| s.customer_id.0).collect(),
            offer_id: subscriptions.iter().map(|s| s.offer_id.as_str()).collect(),
            channel: subscriptions.iter().map(|s| s.channel.as_str()).collect(),
            status: subscriptions.iter().map(|s| s.status.as_str()).collect(),
            provisioned: subscriptions.iter().map(|s| s.provisioned).collect(),
            quantity: subscriptions.iter().map(|s| s.quantity).collect(),
            assigned_seats: subscriptions.iter().map(|s| s.assigned_seats).collect(),
            billing_cycle: subscriptions
                .iter()
                .map(|s| s.billing_cycle.as_str())
                .collect(),
            payment_method: subscriptions
                .iter()
                .map(|s| s.payment_method.as_str())
                .collect(),
            trial: subscriptions.iter().map(|s| s.trial).collect(),
            parent_id: subscriptions
                .iter()
                .map(|s| s.parent_id.map(|p| p.0))
                .collect(),
            period_start: subscriptions
                .iter()
                .map(|s| stored_time(s.period_start))
                .collect(),
            period_end: subscriptions
                .iter()
                .map(|s| stored_time(s.period_end))
                .collect(),
            created_at: subscriptions
                .iter()
                .map(|s| stored_time(s.created_at))
                .collect(),
        }
    }

    fn bind<'q>(&'q self, sql: &'q str) -> PgQuery<'q> {
        sqlx::query(sql)
            .bind(&self.id)
            .bind(&self.customer_id)
            .bind(&self.offer_id)
            .bind(&self.channel)
            .bind(&self.status)
            .bind(&self.provisioned)
            .bind(&self.quantity)
            .bind(&self.assigned_seats)
            .bind(&self.billing_cycle)
            .bind(&self.payment_method)
            .bind(&self.trial)
            .bind(&self.parent_id)
            .bind(&self.period_start)
            .bind(&self.period_end)
            .bind(&self.created_at)
    }
}

/// Customer users as one array per column, in the order the user
/// statements bind them.
struct UserColumns<'a> {
    id: Vec<Uuid>,
    customer_id: Vec<Uuid>,
    upn: Vec<&'a str>,
    display_name: Vec<&'a str>,
    sign_in_blocked: Vec<bool>,
}

impl<'a> UserColumns<'a> {
    fn of(users: &[&'a CustomerUser]) -> Self {
        UserColumns {
            id: users.iter().map(|u| u.id.0).collect(),
            customer_id: users.iter().map(|u| u.customer_id.0).collect(),
            upn: users.iter().map(|u| u.upn.as_str()).collect(),
            display_name: users.iter().map(|u| u.display_name.as_str()).collect(),
            sign_in_blocked: users.iter().map(|u| u.sign_in_blocked).collect(),
        }
    }

    fn bind<'q>(&'q self, sql: &'q str) -> PgQuery<'q> {
        sqlx::query(sql)
            .bind(&self.id)
            .bind(&self.customer_id)
            .bind(&self.upn)
            .bind(&self.display_name)
            .bind(&self.sign_in_blocked)
    }
}
