//! Customers' snapshots from rows. SQLite's `*_between.sql` queries read a
//! batch of customers and all their children at once, each child list
//! ordered by customer id first, and [`BatchRows`] splits them up. Postgres
//! reads a customer and its children in one row ([`SnapshotRow`], from
//! the view `customer_snapshots` of migration 0012), the children as JSON decoded by name into
//! the same row types.

use std::iter::Peekable;

use uuid::Uuid;

use super::directory::{CustomerRow, OrderSummaryRow, SubscriptionRow, UserLicenseRow};
use super::users_from_rows;
use crate::domain::ids::{CustomerId, OrderId};
use crate::domain::model::CustomerSnapshot;
use crate::storage::{KeyUse, Result, StorageError, SubmissionRead};

/// The rows of a batch of customers, as the `*_between.sql` queries return
/// them: customers in id order, children ordered by customer id first.
pub(in crate::storage) struct BatchRows {
    pub(in crate::storage) customers: Vec<CustomerRow>,
    pub(in crate::storage) subscriptions: Vec<SubscriptionRow>,
    pub(in crate::storage) users: Vec<UserLicenseRow>,
    pub(in crate::storage) open_orders: Vec<OrderSummaryRow>,
}

impl BatchRows {
    /// One snapshot per customer, in id order; each holds what
    /// `snapshot_on` would read for that customer alone, in the same order.
    pub(in crate::storage) fn into_snapshots(self) -> Result<Vec<CustomerSnapshot>> {
        let BatchRows {
            customers,
            subscriptions,
            users,
            open_orders,
        } = self;
        let mut subscriptions = subscriptions
            .into_iter()
            .map(SubscriptionRow::into_domain)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .peekable();
        let mut users = users_from_rows(users)?.into_iter().peekable();
        let mut open_orders = open_orders
            .into_iter()
            .map(OrderSummaryRow::into_domain)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .peekable();
        customers
            .into_iter()
            .map(|row| {
                let customer = row.into_domain()?;
                let id = customer.id;
                Ok(CustomerSnapshot {
                    subscriptions: take_of(&mut subscriptions, id, |s| s.customer_id),
                    users: take_of(&mut users, id, |u| u.customer_id),
                    open_orders: take_of(&mut open_orders, id, |o| o.customer_id),
                    customer,
                })
            })
            .collect()
    }
}

/// The leading items of `rows` that belong to `customer` (skipping any of a
/// customer before it, which the queries never return).
fn take_of<T>(
    rows: &mut Peekable<impl Iterator<Item = T>>,
    customer: CustomerId,
    of: impl Fn(&T) -> CustomerId,
) -> Vec<T> {
    while rows.next_if(|r| of(r) < customer).is_some() {}
    let mut out = Vec::new();
    while let Some(row) = rows.next_if(|r| of(r) == customer) {
        out.push(row);
    }
    out
}

/// A customer with its children as JSON arrays (NULL for none) and its
/// version, as Postgres' view `customer_snapshots` (migration 0012) holds
/// it, and the use of an idempotency key where the statement reads one
/// (`postgres/sql/submission_reads.sql`).
#[derive(sqlx::FromRow)]
pub(in crate::storage) struct SnapshotRow {
    #[sqlx(flatten)]
    customer: CustomerRow,
    subscriptions: Option<String>,
    users: Option<String>,
    open_orders: Option<String>,
    version: i64,
    #[sqlx(default)]
    key_order: Option<Uuid>,
    #[sqlx(default)]
    key_fingerprint: Option<String>,
}

impl SnapshotRow {
    /// What a submission decides on (see [`SubmissionRead`]).
    pub(in crate::storage) fn into_submission_read(mut self) -> Result<SubmissionRead> {
        let key_use = self.key_order.map(|order| KeyUse {
            order: OrderId(order),
            fingerprint: self.key_fingerprint.take(),
        });
        Ok(SubmissionRead {
            version: self.version,
            key_use,
            snapshot: self.into_domain()?,
        })
    }

    pub(in crate::storage) fn into_domain(self) -> Result<CustomerSnapshot> {
        let customer = self.customer.into_domain()?;
        let id = customer.id;
        let subscriptions: Vec<SubscriptionRow> = json_rows(self.subscriptions, id)?;
        let users: Vec<UserLicenseRow> = json_rows(self.users, id)?;
        let open_orders: Vec<OrderSummaryRow> = json_rows(self.open_orders, id)?;
        Ok(CustomerSnapshot {
            customer,
            subscriptions: subscriptions
                .into_iter()
                .map(SubscriptionRow::into_domain)
                .collect::<Result<_>>()?,
            users: users_from_rows(users)?,
            open_orders: open_orders
                .into_iter()
                .map(OrderSummaryRow::into_domain)
                .collect::<Result<_>>()?,
        })
    }
}

/// Rows of a JSON array (`json_agg` gives NULL rather than `[]` for none).
fn json_rows<T: serde::de::DeserializeOwned>(
    json: Option<String>,
    customer: CustomerId,
) -> Result<Vec<T>> {
    match json {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StorageError::Corrupt(format!("snapshot of customer {customer}: {e}"))),
    }
}
