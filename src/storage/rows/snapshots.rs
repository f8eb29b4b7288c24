//! Many customers' snapshots from one set of rows: the `*_between.sql`
//! queries read a batch of customers and all their children at once, each
//! child list ordered by customer id first, and this splits them up.

use std::iter::Peekable;

use super::directory::{CustomerRow, OrderSummaryRow, SubscriptionRow, UserLicenseRow};
use super::users_from_rows;
use crate::domain::ids::CustomerId;
use crate::domain::model::CustomerSnapshot;
use crate::storage::Result;

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
