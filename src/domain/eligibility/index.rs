//! Lookups over one customer snapshot, built once and shared by every rule,
//! every target and (in `upgrade_available`) every subscription, so a whole
//! subscription list is checked in one pass instead of one scan per rule.

use ahash::AHashMap;

use crate::domain::catalog::{Catalog, Offer};
use crate::domain::ids::{OfferId, SubscriptionId};
use crate::domain::model::{
    Channel, CustomerSnapshot, DelegatedRole, OrderState, OrderSummary, RelationshipStatus,
    Subscription, SubscriptionStatus, UpgradeType,
};
use crate::domain::roles::Caller;
use crate::domain::text::Text;

/// A subscription still held by the customer: anything not deleted or
/// expired. A suspended or pending subscription still owns its offer and
/// services, so it still conflicts with a new one.
pub(super) fn is_live(s: &Subscription) -> bool {
    !matches!(
        s.status,
        SubscriptionStatus::Deleted | SubscriptionStatus::Expired
    )
}

/// The lookups that depend on the snapshot and the catalog alone, not on the
/// caller: built once per snapshot and kept with it while it is cached (see
/// `crate::grpc::lookups`), so a check does not rebuild them. Positions are
/// indexes into `snapshot.subscriptions`.
#[derive(Debug)]
pub struct Lookups {
    /// Every subscription, in id order.
    all: Vec<u32>,
    by_id: AHashMap<SubscriptionId, u32>,
    /// Live subscriptions per offer, in id order.
    live_by_offer: AHashMap<OfferId, Vec<u32>>,
    /// Live add-ons per parent subscription, in id order.
    add_ons_by_parent: AHashMap<SubscriptionId, Vec<u32>>,
    /// Service id -> (level, live subscription including it), in id order.
    by_service: AHashMap<String, Vec<(u8, u32)>>,
    /// Number of users holding a license of each subscription.
    licensed_users: AHashMap<SubscriptionId, i64>,
}

impl Lookups {
    pub fn new(catalog: &Catalog, snapshot: &CustomerSnapshot) -> Self {
        let subs = &snapshot.subscriptions;
        let mut all: Vec<u32> = (0..subs.len())
            .map(|i| u32::try_from(i).expect("fewer than 4 billion subscriptions"))
            .collect();
        // Id order everywhere, so nothing depends on the snapshot's order.
        all.sort_by_key(|&i| subs[i as usize].id);

        let mut by_id = AHashMap::with_capacity(all.len());
        let mut live_by_offer: AHashMap<OfferId, Vec<u32>> = AHashMap::new();
        let mut add_ons_by_parent: AHashMap<SubscriptionId, Vec<u32>> = AHashMap::new();
        let mut by_service: AHashMap<String, Vec<(u8, u32)>> = AHashMap::new();
        for &i in &all {
            let s = &subs[i as usize];
            by_id.insert(s.id, i);
            if !is_live(s) {
                continue;
            }
            match live_by_offer.get_mut(&s.offer_id) {
                Some(v) => v.push(i),
                None => {
                    live_by_offer.insert(s.offer_id.clone(), vec![i]);
                }
            }
            if let Some(parent) = s.parent_id {
                add_ons_by_parent.entry(parent).or_default().push(i);
            }
            if let Some(offer) = catalog.offer(&s.offer_id) {
                for (service, level) in &offer.services {
                    match by_service.get_mut(service.as_str()) {
                        Some(v) => v.push((*level, i)),
                        None => {
                            by_service.insert(service.clone(), vec![(*level, i)]);
                        }
                    }
                }
            }
        }

        let mut licensed_users: AHashMap<SubscriptionId, i64> = AHashMap::new();
        for user in &snapshot.users {
            // A user counts once per subscription, however many of its
            // licenses they hold (a user holds a handful).
            for (n, license) in user.licenses.iter().enumerate() {
                let id = license.subscription_id;
                if user.licenses[..n].iter().all(|l| l.subscription_id != id) {
                    *licensed_users.entry(id).or_default() += 1;
                }
            }
        }

        Lookups {
            all,
            by_id,
            live_by_offer,
            add_ons_by_parent,
            by_service,
            licensed_users,
        }
    }
}

impl Lookups {
    /// These lookups with the licensed users counted elsewhere (a
    /// [`super::HintSlice`] carries the counts, not the users).
    pub(super) fn with_licensed_users(
        mut self,
        counts: impl IntoIterator<Item = (SubscriptionId, i64)>,
    ) -> Self {
        self.licensed_users = counts.into_iter().collect();
        self
    }
}

pub(super) struct SnapshotIndex<'a> {
    pub catalog: &'a Catalog,
    pub snapshot: &'a CustomerSnapshot,
    lookups: &'a Lookups,
    /// Open orders of this customer, oldest first.
    pub open_orders: Vec<&'a OrderSummary>,
    /// What the caller and the delegated admin relationship allow, before
    /// any other rule; empty means `DELEGATED_ADMIN_MISSING`.
    pub upgrade_types: Vec<UpgradeType>,
    pub caller_has_user_context: bool,
}

impl<'a> SnapshotIndex<'a> {
    /// `lookups` must have been built from this `catalog` and `snapshot`.
    pub fn new(
        catalog: &'a Catalog,
        snapshot: &'a CustomerSnapshot,
        lookups: &'a Lookups,
        caller: &Caller,
    ) -> Self {
        let mut open_orders: Vec<&OrderSummary> = snapshot
            .open_orders
            .iter()
            .filter(|o| o.customer_id == snapshot.customer.id && o.state.is_open())
            .collect();
        open_orders.sort_by_key(|o| (o.created_at, o.id));

        SnapshotIndex {
            catalog,
            snapshot,
            lookups,
            open_orders,
            upgrade_types: allowed_upgrade_types(snapshot, caller),
            caller_has_user_context: caller.has_user_context(),
        }
    }

    fn at(&self, position: u32) -> &'a Subscription {
        &self.snapshot.subscriptions[position as usize]
    }

    fn all_at<'i>(
        &'i self,
        positions: Option<&'i Vec<u32>>,
    ) -> impl Iterator<Item = &'a Subscription> + 'i {
        positions.into_iter().flatten().map(|&i| self.at(i))
    }

    pub fn subscription(&self, id: SubscriptionId) -> Option<&'a Subscription> {
        self.lookups.by_id.get(&id).map(|&i| self.at(i))
    }

    /// Every subscription of the snapshot, in id order.
    pub fn subscriptions(&self) -> impl Iterator<Item = &'a Subscription> + '_ {
        self.lookups.all.iter().map(|&i| self.at(i))
    }

    pub fn live_of_offer<'i>(
        &'i self,
        offer: &OfferId,
    ) -> impl Iterator<Item = &'a Subscription> + use<'a, 'i> {
        self.all_at(self.lookups.live_by_offer.get(offer))
    }

    pub fn add_ons_of(
        &self,
        parent: SubscriptionId,
    ) -> impl Iterator<Item = &'a Subscription> + '_ {
        self.all_at(self.lookups.add_ons_by_parent.get(&parent))
    }

    /// Live subscriptions including `service` at `level` or higher.
    pub fn holding_service<'i>(
        &'i self,
        service: &str,
        level: u8,
    ) -> impl Iterator<Item = &'a Subscription> + use<'a, 'i> {
        self.lookups
            .by_service
            .get(service)
            .into_iter()
            .flatten()
            .filter(move |(l, _)| *l >= level)
            .map(|&(_, i)| self.at(i))
    }

    pub fn licensed_users(&self, subscription: SubscriptionId) -> i64 {
        self.lookups
            .licensed_users
            .get(&subscription)
            .copied()
            .unwrap_or(0)
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
/// that may write to the directory (SPEC §3, Partner Center's GDAP guidance
/// for transitions: Directory Writer, License, User or Global
/// Administrator); an upgrade alone needs any directory role.
fn allowed_upgrade_types(snapshot: &CustomerSnapshot, caller: &Caller) -> Vec<UpgradeType> {
    let admin = &snapshot.customer.delegated_admin;
    if admin.status != RelationshipStatus::Active || admin.roles.is_empty() {
        return Vec::new();
    }
    let manages_licenses = admin.roles.iter().any(|r| {
        matches!(
            r,
            DelegatedRole::DirectoryWriter
                | DelegatedRole::LicenseAdmin
                | DelegatedRole::UserAdmin
                | DelegatedRole::GlobalAdmin
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
pub(super) fn channel_text(c: Channel) -> Text {
    Text::named("channel", c.as_str())
}
