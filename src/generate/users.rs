//! The users of a generated customer: K per live base subscription, some
//! also licensed for the add-ons on it, and the seats that follow from them.

use std::collections::{BTreeSet, HashMap};

use rand::Rng;

use super::{Generator, offers};
use crate::domain::catalog::Offer;
use crate::domain::ids::*;
use crate::domain::model::*;

impl Generator<'_> {
    /// Adds the users and their licenses, sets seats from them, and moves
    /// the customer into the dataset.
    pub(super) fn finish(&mut self, snapshot: CustomerSnapshot) {
        let CustomerSnapshot {
            customer,
            mut subscriptions,
            ..
        } = snapshot;
        let k = self.spec.users_per_subscription;
        let mut users: Vec<CustomerUser> = Vec::new();
        // Base subscription id -> indexes of the users licensed for it.
        let mut holders: HashMap<SubscriptionId, Vec<usize>> = Default::default();
        let domain = format!(
            "c{}.bench.example",
            &customer.id.0.simple().to_string()[..12]
        );
        for s in subscriptions.iter().filter(|s| s.parent_id.is_none()) {
            if matches!(
                s.status,
                SubscriptionStatus::Deleted | SubscriptionStatus::Expired
            ) {
                continue;
            }
            let offer = self.offer(s.offer_id.as_str()).clone();
            for _ in 0..k {
                let n = users.len();
                let disabled = self.disabled_services(&offer);
                users.push(CustomerUser {
                    id: CustomerUserId(self.uuid()),
                    customer_id: customer.id,
                    upn: format!("user{n}@{domain}"),
                    display_name: offers::person_name(&mut self.rng, n),
                    sign_in_blocked: self.rng.gen_bool(0.03),
                    licenses: vec![License {
                        subscription_id: s.id,
                        disabled_services: disabled,
                    }],
                });
                holders.entry(s.id).or_default().push(n);
            }
        }
        for s in subscriptions.iter().filter(|s| s.parent_id.is_some()) {
            let Some(base_users) = s.parent_id.and_then(|p| holders.get(&p)) else {
                continue;
            };
            for &u in base_users.iter().filter(|_| self.rng.gen_bool(0.6)) {
                users[u].licenses.push(License {
                    subscription_id: s.id,
                    disabled_services: BTreeSet::new(),
                });
            }
        }
        let mut licensed: HashMap<SubscriptionId, i64> = Default::default();
        for l in users.iter().flat_map(|u| &u.licenses) {
            *licensed.entry(l.subscription_id).or_default() += 1;
        }
        for s in &mut subscriptions {
            let max = self.offer(s.offer_id.as_str()).max_seats.min(300);
            let assigned = licensed.get(&s.id).copied().unwrap_or(0);
            s.assigned_seats = assigned;
            s.quantity = (assigned + self.rng.gen_range(0..=12)).clamp(1, max.max(assigned));
        }
        self.data.customers.push(customer);
        self.data.subscriptions.extend(subscriptions);
        self.data.customer_users.extend(users);
    }

    /// Now and then a user has one service switched off.
    fn disabled_services(&mut self, offer: &Offer) -> BTreeSet<String> {
        if offer.services.is_empty() || !self.rng.gen_bool(0.15) {
            return BTreeSet::new();
        }
        let services: Vec<&String> = offer.services.keys().collect();
        [services[self.rng.gen_range(0..services.len())].clone()].into()
    }
}
