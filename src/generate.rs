//! A synthetic dataset for benchmarks (`csp-upgrades generate`): one partner
//! with a user for every role, N customers with M subscriptions each (mixed
//! offers, channels, add-ons, statuses, licensed users) and optionally one
//! big customer. The same seed and anchor give the same file.
//!
//! Every regular customer can be upgraded: its first subscription is a
//! clean base offer bought through this partner with at least one target
//! eligible for a license-transfer upgrade. Each other subscription is drawn
//! at random and kept only if that stays true (checked with the real
//! eligibility rules), otherwise replaced by a cancelled one, so the data
//! has realistic variety (other channels, add-ons, standalone plans without
//! a path, trials, suspended plans) without making the upgrades fail.
//!
//! Pure: the randomness is a seeded `StdRng`, the time an argument.

mod export;
mod offers;
#[cfg(test)]
mod tests;
mod users;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Months, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::domain::catalog::{Catalog, Offer};
use crate::domain::dataset::ValidDataset;
use crate::domain::eligibility;
use crate::domain::ids::*;
use crate::domain::model::*;
use crate::domain::roles::{Caller, Principal};

pub use export::to_raw;
use offers::{Pick, pick};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub customers: usize,
    pub subscriptions_per_customer: usize,
    /// Users licensed for each live base subscription (add-ons license some
    /// of their base's users).
    pub users_per_subscription: usize,
    /// Subscriptions of the one big customer; 0 for none.
    pub big_customer_subscriptions: usize,
    pub seed: u64,
    /// "Now" for billing periods: periods are running at this instant.
    pub anchor: DateTime<Utc>,
}

/// The partner's staff, one per role plus one without any: fixed UPNs, so a
/// benchmark can ask for a token by name.
pub const PARTNER_USERS: &[(&str, &str, Option<Role>)] = &[
    (
        "bench-ga@bench.example",
        "Bench Global Admin",
        Some(Role::GlobalAdmin),
    ),
    (
        "bench-uma@bench.example",
        "Bench User Admin",
        Some(Role::UserManagementAdmin),
    ),
    (
        "bench-agent@bench.example",
        "Bench Admin Agent",
        Some(Role::AdminAgent),
    ),
    (
        "bench-sales@bench.example",
        "Bench Sales Agent",
        Some(Role::SalesAgent),
    ),
    (
        "bench-helpdesk@bench.example",
        "Bench Helpdesk Agent",
        Some(Role::HelpdeskAgent),
    ),
    (
        "bench-billing@bench.example",
        "Bench Billing Admin",
        Some(Role::BillingAdmin),
    ),
    ("bench-norole@bench.example", "Bench No Role", None),
];

pub const PARTNER_NAME: &str = "Bench CSP";
pub const BIG_CUSTOMER_NAME: &str = "Bench Big Customer";

/// Attempts at a random subscription before falling back to a cancelled one.
const ATTEMPTS: usize = 6;

pub fn generate(catalog: &Catalog, spec: &Spec) -> ValidDataset {
    let mut g = Generator {
        catalog,
        spec,
        rng: StdRng::seed_from_u64(spec.seed),
        data: ValidDataset::default(),
    };
    let partner = PartnerId(g.uuid());
    g.data.partners.push(Partner {
        id: partner,
        name: PARTNER_NAME.to_owned(),
    });
    for (upn, name, role) in PARTNER_USERS {
        let id = PartnerUserId(g.uuid());
        g.data.partner_users.push(PartnerUser {
            id,
            partner_id: partner,
            upn: (*upn).to_owned(),
            display_name: (*name).to_owned(),
            roles: role.iter().copied().collect(),
        });
    }
    let caller = Caller {
        partner_id: partner,
        principal: Principal::User {
            id: g.data.partner_users[0].id,
            upn: PARTNER_USERS[0].0.to_owned(),
            display_name: PARTNER_USERS[0].1.to_owned(),
        },
        roles: [Role::GlobalAdmin].into(),
    };
    for index in 0..spec.customers {
        g.regular_customer(partner, index, &caller);
    }
    if spec.big_customer_subscriptions > 0 {
        g.big_customer(partner);
    }
    g.data
}

struct Generator<'a> {
    catalog: &'a Catalog,
    spec: &'a Spec,
    rng: StdRng,
    data: ValidDataset,
}

impl Generator<'_> {
    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.r#gen()).into_uuid()
    }

    fn offer(&self, id: &str) -> &Offer {
        let id = OfferId::parse(id).expect("generator offer ids are well formed");
        self.catalog
            .offer(&id)
            .unwrap_or_else(|| panic!("the catalog has no offer {id}"))
    }

    fn customer(&mut self, partner: PartnerId, name: String, country: &str) -> Customer {
        let mut roles: BTreeSet<DelegatedRole> = [DelegatedRole::LicenseAdmin].into();
        for (role, p) in [
            (DelegatedRole::DirectoryReader, 0.7),
            (DelegatedRole::UserAdmin, 0.4),
            (DelegatedRole::DirectoryWriter, 0.2),
        ] {
            if self.rng.gen_bool(p) {
                roles.insert(role);
            }
        }
        Customer {
            id: CustomerId(self.uuid()),
            partner_id: partner,
            name,
            country: country.to_owned(),
            segment: Segment::Commercial,
            custom_domain: self.rng.gen_bool(0.6),
            unpaid_balance: false,
            service_incidents: BTreeSet::new(),
            delegated_admin: DelegatedAdmin {
                status: RelationshipStatus::Active,
                roles,
            },
        }
    }

    fn regular_customer(&mut self, partner: PartnerId, index: usize, caller: &Caller) {
        let country = pick(&mut self.rng, offers::COUNTRIES);
        let name = offers::company_name(&mut self.rng, index);
        let customer = self.customer(partner, name, country);
        let india = country == "IN";
        let primary_offer = pick(
            &mut self.rng,
            if india {
                offers::PRIMARY_IN
            } else {
                offers::PRIMARY
            },
        );
        let primary = self.subscription(
            &customer,
            primary_offer,
            Channel::ThisPartner,
            SubscriptionStatus::Active,
            None,
        );
        let mut snapshot = CustomerSnapshot {
            customer,
            subscriptions: vec![primary],
            users: Vec::new(),
            open_orders: Vec::new(),
        };
        for _ in 1..self.spec.subscriptions_per_customer {
            let kept = (0..ATTEMPTS).find_map(|_| {
                let candidate = self.random_subscription(&snapshot, india)?;
                snapshot.subscriptions.push(candidate);
                if self.upgradable(&snapshot, caller) {
                    return Some(());
                }
                snapshot.subscriptions.pop();
                None
            });
            if kept.is_none() {
                // Not live, so it conflicts with nothing: an earlier plan.
                let offer = pick(&mut self.rng, offers::BASES);
                let status = pick(&mut self.rng, offers::ENDED);
                let old = self.subscription(
                    &snapshot.customer,
                    offer,
                    Channel::ThisPartner,
                    status,
                    None,
                );
                snapshot.subscriptions.push(old);
            }
        }
        self.finish(snapshot);
    }

    /// The first subscription has an eligible target with license transfer.
    fn upgradable(&self, snapshot: &CustomerSnapshot, caller: &Caller) -> bool {
        let primary = snapshot.subscriptions[0].id;
        eligibility::check(
            self.catalog,
            snapshot,
            caller,
            self.spec.anchor,
            primary,
            None,
        )
        .is_ok_and(|e| {
            e.targets
                .iter()
                .any(|t| t.eligible && t.upgrade_types.contains(&UpgradeType::WithLicenseTransfer))
        })
    }

    fn big_customer(&mut self, partner: PartnerId) {
        let customer = self.customer(partner, BIG_CUSTOMER_NAME.to_owned(), "US");
        let mut snapshot = CustomerSnapshot {
            customer,
            subscriptions: Vec::new(),
            users: Vec::new(),
            open_orders: Vec::new(),
        };
        let first = pick(&mut self.rng, offers::PRIMARY);
        let first = self.subscription(
            &snapshot.customer,
            first,
            Channel::ThisPartner,
            SubscriptionStatus::Active,
            None,
        );
        snapshot.subscriptions.push(first);
        while snapshot.subscriptions.len() < self.spec.big_customer_subscriptions {
            if let Some(s) = self.random_subscription(&snapshot, false) {
                snapshot.subscriptions.push(s);
            }
        }
        self.finish(snapshot);
    }

    /// Any subscription a customer might also hold; `None` when the drawn
    /// kind does not fit (an add-on with no base for it).
    fn random_subscription(
        &mut self,
        snapshot: &CustomerSnapshot,
        india: bool,
    ) -> Option<Subscription> {
        let customer = &snapshot.customer;
        let kind = pick(&mut self.rng, offers::KINDS);
        let base = |rng: &mut StdRng| {
            if india && rng.gen_bool(0.5) {
                pick(rng, offers::PRIMARY_IN)
            } else {
                pick(rng, offers::BASES)
            }
        };
        Some(match kind {
            Pick::AddOn => {
                let add_on = pick(&mut self.rng, offers::ADD_ONS);
                let add_on = self.offer(add_on).clone();
                let parents: Vec<SubscriptionId> = snapshot
                    .subscriptions
                    .iter()
                    .filter(|s| {
                        s.parent_id.is_none()
                            && !matches!(
                                s.status,
                                SubscriptionStatus::Deleted | SubscriptionStatus::Expired
                            )
                            && add_on.bases.contains(&s.offer_id)
                    })
                    .map(|s| s.id)
                    .collect();
                if parents.is_empty() {
                    return None;
                }
                let parent = parents[self.rng.gen_range(0..parents.len())];
                let channel = snapshot
                    .subscriptions
                    .iter()
                    .find(|s| s.id == parent)
                    .map_or(Channel::ThisPartner, |s| s.channel);
                self.subscription(
                    customer,
                    add_on.id.as_str(),
                    channel,
                    SubscriptionStatus::Active,
                    Some(parent),
                )
            }
            Pick::Standalone => {
                let offer = pick(&mut self.rng, offers::STANDALONE);
                self.subscription(
                    customer,
                    offer,
                    Channel::ThisPartner,
                    SubscriptionStatus::Active,
                    None,
                )
            }
            Pick::OtherChannel => {
                let offer = base(&mut self.rng);
                let channel = pick(&mut self.rng, offers::OTHER_CHANNELS);
                self.subscription(customer, offer, channel, SubscriptionStatus::Active, None)
            }
            Pick::Ended => {
                let offer = base(&mut self.rng);
                let status = pick(&mut self.rng, offers::ENDED);
                self.subscription(customer, offer, Channel::ThisPartner, status, None)
            }
            Pick::Paused => {
                let offer = base(&mut self.rng);
                let status = pick(&mut self.rng, offers::PAUSED);
                self.subscription(customer, offer, Channel::ThisPartner, status, None)
            }
            Pick::Trial => {
                let offer = pick(&mut self.rng, offers::TRIALS);
                let mut s = self.subscription(
                    customer,
                    offer,
                    Channel::ThisPartner,
                    SubscriptionStatus::Active,
                    None,
                );
                s.trial = true;
                s
            }
            Pick::OtherBase => {
                let offer = base(&mut self.rng);
                self.subscription(
                    customer,
                    offer,
                    Channel::ThisPartner,
                    SubscriptionStatus::Active,
                    None,
                )
            }
        })
    }

    /// A subscription with seats and a running billing period; quantities
    /// and seats are fixed up in `finish` once users are known.
    fn subscription(
        &mut self,
        customer: &Customer,
        offer: &str,
        channel: Channel,
        status: SubscriptionStatus,
        parent_id: Option<SubscriptionId>,
    ) -> Subscription {
        let offer = self.offer(offer).clone();
        let billing_cycle = if offer.billing_cycles.len() > 1 {
            offer.billing_cycles[self.rng.gen_range(0..offer.billing_cycles.len())]
        } else {
            offer.billing_cycles[0]
        };
        // Customers of this partner pay by card; other channels vary.
        let payment_method = if channel == Channel::ThisPartner {
            PaymentMethod::CreditCard
        } else {
            pick(&mut self.rng, offers::OTHER_PAYMENT)
        };
        let (period_start, period_end) = match billing_cycle {
            BillingCycle::Monthly => {
                let start = self.spec.anchor - Duration::days(self.rng.gen_range(1..28));
                (start, start + Months::new(1))
            }
            BillingCycle::Annual => {
                let start = self.spec.anchor - Duration::days(self.rng.gen_range(1..360));
                (start, start + Months::new(12))
            }
        };
        let created_at = period_start - Duration::days(self.rng.gen_range(0..1100));
        Subscription {
            id: SubscriptionId(self.uuid()),
            customer_id: customer.id,
            offer_id: offer.id.clone(),
            channel,
            status,
            provisioned: status != SubscriptionStatus::Pending,
            quantity: 1,
            assigned_seats: 0,
            billing_cycle,
            payment_method,
            trial: offer.trial,
            parent_id,
            period_start,
            period_end,
            created_at,
        }
    }
}

/// Each customer's snapshot, as storage would read it (customers in file
/// order): for planning benchmark requests and for checking generated data.
pub fn snapshots(data: &ValidDataset) -> Vec<CustomerSnapshot> {
    let mut by_customer: std::collections::HashMap<CustomerId, CustomerSnapshot> = data
        .customers
        .iter()
        .map(|c| {
            let snapshot = CustomerSnapshot {
                customer: c.clone(),
                subscriptions: Vec::new(),
                users: Vec::new(),
                open_orders: Vec::new(),
            };
            (c.id, snapshot)
        })
        .collect();
    for s in &data.subscriptions {
        if let Some(c) = by_customer.get_mut(&s.customer_id) {
            c.subscriptions.push(s.clone());
        }
    }
    for u in &data.customer_users {
        if let Some(c) = by_customer.get_mut(&u.customer_id) {
            c.users.push(u.clone());
        }
    }
    for o in data.orders.iter().filter(|o| o.summary.state.is_open()) {
        if let Some(c) = by_customer.get_mut(&o.summary.customer_id) {
            c.open_orders.push(o.summary.clone());
        }
    }
    data.customers
        .iter()
        .filter_map(|c| by_customer.remove(&c.id))
        .collect()
}
