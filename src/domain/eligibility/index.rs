//! Lookups over one customer snapshot, built once and shared by every rule,
//! every target and (in `upgrade_available`) every subscription, so a whole
//! subscription list is checked in one pass instead of one scan per rule.

use std::collections::HashMap;

use crate::domain::catalog::{Catalog, Offer};
use crate::domain::ids::{OfferId, SubscriptionId};
use crate::domain::model::{
    Channel, CustomerSnapshot, DelegatedRole, OrderState, OrderSummary, RelationshipStatus,
    Subscription, SubscriptionStatus, UpgradeType,
};
use crate::domain::roles::Caller;

/// A subscription still held by the customer: anything not deleted or
/// expired. A suspended or pending subscription still owns its offer and
/// services, so it still conflicts with a new one.
pub(super) fn is_live(s: &Subscription) -> bool {
    !matches!(
        s.status,
        SubscriptionStatus::Deleted | SubscriptionStatus::Expired
    )
}

pub(super) struct SnapshotIndex<'a> {
    pub catalog: &'a Catalog,
    pub snapshot: &'a CustomerSnapshot,
    /// Every subscription, in id order.
    all: Vec<&'a Subscription>,
    by_id: HashMap<SubscriptionId, &'a Subscription>,
    /// Live subscriptions per offer, in id order.
    live_by_offer: HashMap<&'a OfferId, Vec<&'a Subscription>>,
    /// Live add-ons per parent subscription, in id order.
    add_ons_by_parent: HashMap<SubscriptionId, Vec<&'a Subscription>>,
    /// Service id -> (level, live subscription including it), in id order.
    by_service: HashMap<&'a str, Vec<(u8, &'a Subscription)>>,
    /// Number of users holding a license of each subscription.
    licensed_users: HashMap<SubscriptionId, i64>,
    /// Open orders of this customer, oldest first.
    pub open_orders: Vec<&'a OrderSummary>,
    /// What the caller and the delegated admin relationship allow, before
    /// any other rule; empty means `DELEGATED_ADMIN_MISSING`.
    pub upgrade_types: Vec<UpgradeType>,
    pub caller_has_user_context: bool,
}

impl<'a> SnapshotIndex<'a> {
    pub fn new(catalog: &'a Catalog, snapshot: &'a CustomerSnapshot, caller: &Caller) -> Self {
        let mut subs: Vec<&Subscription> = snapshot.subscriptions.iter().collect();
        // Id order everywhere, so nothing depends on the snapshot's order.
        subs.sort_by_key(|s| s.id);

        let mut by_id = HashMap::with_capacity(subs.len());
        let mut live_by_offer: HashMap<_, Vec<_>> = HashMap::new();
        let mut add_ons_by_parent: HashMap<_, Vec<_>> = HashMap::new();
        let mut by_service: HashMap<_, Vec<_>> = HashMap::new();
        for &s in &subs {
            by_id.insert(s.id, s);
            if !is_live(s) {
                continue;
            }
            live_by_offer.entry(&s.offer_id).or_default().push(s);
            if let Some(parent) = s.parent_id {
                add_ons_by_parent.entry(parent).or_default().push(s);
            }
            if let Some(offer) = catalog.offer(&s.offer_id) {
                for (service, level) in &offer.services {
                    by_service
                        .entry(service.as_str())
                        .or_default()
                        .push((*level, s));
                }
            }
        }

        let mut licensed_users: HashMap<SubscriptionId, i64> = HashMap::new();
        for user in &snapshot.users {
            let mut held: Vec<SubscriptionId> =
                user.licenses.iter().map(|l| l.subscription_id).collect();
            held.sort();
            held.dedup();
            for id in held {
                *licensed_users.entry(id).or_default() += 1;
            }
        }

        let mut open_orders: Vec<&OrderSummary> = snapshot
            .open_orders
            .iter()
            .filter(|o| o.customer_id == snapshot.customer.id && o.state.is_open())
            .collect();
        open_orders.sort_by_key(|o| (o.created_at, o.id));

        SnapshotIndex {
            catalog,
            snapshot,
            all: subs,
            by_id,
            live_by_offer,
            add_ons_by_parent,
            by_service,
            licensed_users,
            open_orders,
            upgrade_types: allowed_upgrade_types(snapshot, caller),
            caller_has_user_context: caller.has_user_context(),
        }
    }

    pub fn subscription(&self, id: SubscriptionId) -> Option<&'a Subscription> {
        self.by_id.get(&id).copied()
    }

    /// Every subscription of the snapshot, in id order.
    pub fn subscriptions(&self) -> &[&'a Subscription] {
        &self.all
    }

    pub fn live_of_offer(&self, offer: &OfferId) -> &[&'a Subscription] {
        self.live_by_offer.get(offer).map_or(&[], Vec::as_slice)
    }

    pub fn add_ons_of(&self, parent: SubscriptionId) -> &[&'a Subscription] {
        self.add_ons_by_parent
            .get(&parent)
            .map_or(&[], Vec::as_slice)
    }

    /// Live subscriptions including `service` at `level` or higher.
    pub fn holding_service(
        &self,
        service: &str,
        level: u8,
    ) -> impl Iterator<Item = &'a Subscription> + '_ {
        self.by_service
            .get(service)
            .into_iter()
            .flatten()
            .filter(move |(l, _)| *l >= level)
            .map(|(_, s)| *s)
    }

    pub fn licensed_users(&self, subscription: SubscriptionId) -> i64 {
        self.licensed_users.get(&subscription).copied().unwrap_or(0)
    }

    pub fn offer_name(&self, id: &OfferId) -> String {
        self.catalog
            .offer(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    }

    pub fn service_name(&self, id: &str) -> String {
        self.catalog
            .service(id)
            .map_or_else(|| id.to_owned(), |s| s.name.clone())
    }

    pub fn offer(&self, id: &OfferId) -> Option<&'a Offer> {
        self.catalog.offer(id)
    }

    /// Open orders in `state`.
    pub fn orders_in(&self, state: OrderState) -> Vec<&'a OrderSummary> {
        self.open_orders
            .iter()
            .copied()
            .filter(|o| o.state == state)
            .collect()
    }
}

/// License transfer moves users, so it needs a user caller and a relationship
/// that may manage licenses; an upgrade alone needs any active relationship.
fn allowed_upgrade_types(snapshot: &CustomerSnapshot, caller: &Caller) -> Vec<UpgradeType> {
    let admin = &snapshot.customer.delegated_admin;
    if admin.status != RelationshipStatus::Active || admin.roles.is_empty() {
        return Vec::new();
    }
    let manages_licenses = admin.roles.iter().any(|r| {
        matches!(
            r,
            DelegatedRole::LicenseAdmin | DelegatedRole::UserAdmin | DelegatedRole::GlobalAdmin
        )
    });
    let mut types = Vec::with_capacity(2);
    if caller.has_user_context() && manages_licenses {
        types.push(UpgradeType::WithLicenseTransfer);
    }
    types.push(UpgradeType::UpgradeOnly);
    types
}

/// The channel of a subscription, as a partner reads it in a message.
pub(super) fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::ThisPartner => "this partner",
        Channel::OtherPartner => "another CSP partner",
        Channel::Direct => "Microsoft directly",
        Channel::EnterpriseAgreement => "an Enterprise Agreement",
        Channel::Open => "Open / volume licensing",
    }
}
