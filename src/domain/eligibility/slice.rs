//! The "Upgrade now" hint of a few subscriptions (a page of
//! `ListSubscriptions`) from a slice of their customer, not the whole
//! snapshot: a customer of 100,000 subscriptions is listed a page at a time
//! without reading all of them (issue 15).
//!
//! Besides the customer record, its open orders and the catalog, the hint of
//! a subscription reads the subscription itself, its live add-ons, how many
//! users hold its licenses, and of the customer's other subscriptions only
//! whether there is one, or two, of an (offer, channel, status):
//!
//! - a duplicate plan is two active subscriptions of the source's offer;
//! - ownership and the conflict rules (here or in another channel) ask for a
//!   live subscription of some offer and channel that is neither the source
//!   nor one of its add-ons.
//!
//! So a [`HintSlice`] holds the page's subscriptions, all their add-ons, and
//! per (offer, channel, status) [`OTHERS_PER_GROUP`] of the customer's other
//! subscriptions (neither in the page nor an add-on of one): every answer a
//! rule gives about a page subscription is then the one it gives over the
//! whole customer. Only the booleans are: the reasons' lists of
//! subscriptions would be short, which is why a check still reads the whole
//! snapshot. `tests/props.rs` compares the two on random customers,
//! `tests/subscription_pages.rs` through storage on both backends.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::{Lookups, upgrade_available_with};
use crate::domain::catalog::Catalog;
use crate::domain::ids::SubscriptionId;
use crate::domain::model::{Customer, CustomerSnapshot, OrderSummary, Subscription};
use crate::domain::roles::Caller;

/// How many of the customer's other subscriptions of one (offer, channel,
/// status) a slice holds: "is there one" and "are there two" are all the
/// rules ask of them.
pub const OTHERS_PER_GROUP: usize = 2;

/// What the hint of some subscriptions (the page) needs of their customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintSlice {
    pub customer: Customer,
    /// The customer's open orders (all of them: a handful).
    pub open_orders: Vec<OrderSummary>,
    /// The page's subscriptions, every add-on of them, and per (offer,
    /// channel, status) up to [`OTHERS_PER_GROUP`] of the customer's other
    /// subscriptions; each once.
    pub subscriptions: Vec<Subscription>,
    /// Users holding a license of each page subscription (none: absent).
    pub licensed_users: HashMap<SubscriptionId, i64>,
}

/// The subscriptions of `page` (held by `slice`) whose "Upgrade now" hint is
/// on: what [`super::upgrade_available`] says of them over the whole
/// customer.
pub fn upgrade_available_in_slice(
    catalog: &Catalog,
    slice: HintSlice,
    page: &[SubscriptionId],
    caller: &Caller,
    now: DateTime<Utc>,
) -> HashSet<SubscriptionId> {
    let HintSlice {
        customer,
        open_orders,
        subscriptions,
        licensed_users,
    } = slice;
    let snapshot = CustomerSnapshot {
        customer,
        subscriptions,
        users: Vec::new(),
        open_orders,
    };
    let lookups = Lookups::new(catalog, &snapshot).with_licensed_users(licensed_users);
    let available = upgrade_available_with(catalog, &snapshot, &lookups, caller, now);
    page.iter()
        .copied()
        .filter(|id| available.contains(id))
        .collect()
}

/// The slice of `snapshot` for `page`, chosen in memory as storage chooses it
/// in the database (the lowest and highest id of each group): for tests.
#[cfg(test)]
pub(super) fn slice_of(snapshot: &CustomerSnapshot, page: &[SubscriptionId]) -> HintSlice {
    use std::collections::BTreeMap;

    let in_page: HashSet<SubscriptionId> = page.iter().copied().collect();
    let mut subscriptions = Vec::new();
    let mut groups: BTreeMap<(String, &str, &str), Vec<&Subscription>> = BTreeMap::new();
    for s in &snapshot.subscriptions {
        if in_page.contains(&s.id) || s.parent_id.is_some_and(|p| in_page.contains(&p)) {
            subscriptions.push(s.clone());
        } else {
            groups
                .entry((
                    s.offer_id.to_string(),
                    s.channel.as_str(),
                    s.status.as_str(),
                ))
                .or_default()
                .push(s);
        }
    }
    for members in groups.values_mut() {
        members.sort_by_key(|s| s.id);
        subscriptions.push(members[0].clone());
        if members.len() > 1 {
            subscriptions.push(members[members.len() - 1].clone());
        }
    }
    let mut licensed_users: HashMap<SubscriptionId, i64> = HashMap::new();
    for user in &snapshot.users {
        let mut held: Vec<SubscriptionId> = user
            .licenses
            .iter()
            .map(|l| l.subscription_id)
            .filter(|id| in_page.contains(id))
            .collect();
        held.sort();
        held.dedup();
        for id in held {
            *licensed_users.entry(id).or_default() += 1;
        }
    }
    HintSlice {
        customer: snapshot.customer.clone(),
        open_orders: snapshot.open_orders.clone(),
        subscriptions,
        licensed_users,
    }
}
