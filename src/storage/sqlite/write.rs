//! The rows of a customer's data, written the same way by `import` and
//! `sync`: a statement per row (users and licenses: per 500 rows), each
//! prepared once per connection (sqlx caches them) and run in the one
//! transaction that holds the write lock, so SQLite writes them to its
//! journal once, at the commit.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::model::{Customer, CustomerUser, License, Subscription};
use crate::storage::Result;
use crate::storage::import::{
    INSERT_CUSTOMER, INSERT_CUSTOMER_USER, INSERT_DELEGATED_ROLE, INSERT_INCIDENT, INSERT_LICENSE,
    parents_first,
};
use crate::storage::rows::{
    INSERT_SUBSCRIPTION, already_exists, bind_subscription, conflict, disabled_services_json,
};

const UPDATE_CUSTOMER: &str = include_str!("../sql/sync_update_customer.sql");
const UPDATE_SUBSCRIPTION: &str = include_str!("../sql/sync_update_subscription.sql");
const UPDATE_CUSTOMER_USER: &str = include_str!("../sql/sync_update_customer_user.sql");

/// Inserts customers with their delegated roles and incidents. A customer
/// whose id is taken fails the whole write, naming it.
pub(super) async fn insert_customers(
    conn: &mut SqliteConnection,
    customers: &[Customer],
) -> Result<()> {
    for c in customers {
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
        write_customer_children(conn, c).await?;
    }
    Ok(())
}

/// Writes customers' fields anew, and their delegated roles and incidents.
pub(super) async fn update_customers(
    conn: &mut SqliteConnection,
    customers: &[&Customer],
) -> Result<()> {
    for c in customers {
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
        sqlx::query("DELETE FROM customer_delegated_roles WHERE customer_id = $1")
            .bind(c.id.0)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM customer_service_incidents WHERE customer_id = $1")
            .bind(c.id.0)
            .execute(&mut *conn)
            .await?;
        write_customer_children(conn, c).await?;
    }
    Ok(())
}

/// The rows a customer's own record carries: its delegated roles and its
/// services' incidents (none may be stored yet).
async fn write_customer_children(conn: &mut SqliteConnection, c: &Customer) -> Result<()> {
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

/// Inserts subscriptions, each base before its add-ons (the parent foreign
/// key is checked row by row). One whose id is taken fails the whole write,
/// naming it.
pub(super) async fn insert_subscriptions(
    conn: &mut SqliteConnection,
    subscriptions: &[Subscription],
) -> Result<()> {
    for s in parents_first(subscriptions) {
        bind_subscription(sqlx::query(&INSERT_SUBSCRIPTION), s)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict(e, already_exists(format!("subscription {}", s.id), &[])))?;
    }
    Ok(())
}

/// Writes subscriptions' fields anew (never their customer).
pub(super) async fn update_subscriptions(
    conn: &mut SqliteConnection,
    subscriptions: &[&Subscription],
) -> Result<()> {
    for s in subscriptions {
        bind_subscription(sqlx::query(UPDATE_SUBSCRIPTION), s)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks subscriptions `DELETED`, keeping them for the orders that name them.
pub(super) async fn mark_subscriptions_deleted(
    conn: &mut SqliteConnection,
    subscriptions: &[Subscription],
) -> Result<()> {
    for s in subscriptions {
        sqlx::query("UPDATE subscriptions SET status = 'DELETED' WHERE id = $1")
            .bind(s.id.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Rows per multi-row `INSERT` (5 columns each: far below SQLite's 32,766
/// bound parameters).
const ROWS_PER_INSERT: usize = 500;

/// Inserts customer users with their licenses. One whose id or UPN is
/// taken fails the whole write, naming it and the key.
///
/// Users and licenses go in multi-row statements: a statement per row made
/// the first sync of a 250,000-subscription partner spend a minute in
/// sqlx's round trips to its SQLite thread (BENCHMARKS.md, round 4). When a
/// statement fails, SQLite undoes that statement alone, and its rows are
/// written again one by one, so the error names the row as before.
pub(super) async fn insert_customer_users(
    conn: &mut SqliteConnection,
    users: &[CustomerUser],
) -> Result<()> {
    for chunk in users.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO customer_users (id, customer_id, upn, display_name, sign_in_blocked) ",
        );
        insert.push_values(chunk, |mut row, u| {
            row.push_bind(u.id.0)
                .push_bind(u.customer_id.0)
                .push_bind(&u.upn)
                .push_bind(&u.display_name)
                .push_bind(u.sign_in_blocked);
        });
        if insert.build().execute(&mut *conn).await.is_err() {
            for u in chunk {
                insert_customer_user(conn, u).await?;
            }
        }
    }
    let licenses: Vec<(&CustomerUser, &License)> = users
        .iter()
        .flat_map(|u| u.licenses.iter().map(move |l| (u, l)))
        .collect();
    for chunk in licenses.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO user_licenses (customer_id, user_id, subscription_id, disabled_services) ",
        );
        insert.push_values(chunk, |mut row, (u, l)| {
            row.push_bind(u.customer_id.0)
                .push_bind(u.id.0)
                .push_bind(l.subscription_id.0)
                .push_bind(disabled_services_json(l));
        });
        if insert.build().execute(&mut *conn).await.is_err() {
            for (u, l) in chunk {
                insert_license(conn, u, l).await?;
            }
        }
    }
    Ok(())
}

/// One customer user, without licenses; a taken id or UPN is named.
async fn insert_customer_user(conn: &mut SqliteConnection, u: &CustomerUser) -> Result<()> {
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
    Ok(())
}

/// Writes customer users' fields anew, and their licenses.
pub(super) async fn update_customer_users(
    conn: &mut SqliteConnection,
    users: &[&CustomerUser],
) -> Result<()> {
    for u in users {
        sqlx::query(UPDATE_CUSTOMER_USER)
            .bind(u.id.0)
            .bind(u.customer_id.0)
            .bind(&u.upn)
            .bind(&u.display_name)
            .bind(u.sign_in_blocked)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM user_licenses WHERE user_id = $1")
            .bind(u.id.0)
            .execute(&mut *conn)
            .await?;
        insert_licenses(conn, u).await?;
    }
    Ok(())
}

/// Removes customer users and their licenses.
pub(super) async fn delete_customer_users(
    conn: &mut SqliteConnection,
    users: &[CustomerUser],
) -> Result<()> {
    for u in users {
        sqlx::query("DELETE FROM user_licenses WHERE user_id = $1")
            .bind(u.id.0)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM customer_users WHERE id = $1")
            .bind(u.id.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_licenses(conn: &mut SqliteConnection, u: &CustomerUser) -> Result<()> {
    for l in &u.licenses {
        insert_license(conn, u, l).await?;
    }
    Ok(())
}

/// One license; a taken one is named.
async fn insert_license(conn: &mut SqliteConnection, u: &CustomerUser, l: &License) -> Result<()> {
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
    Ok(())
}
