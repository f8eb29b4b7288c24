//! Tests of the eligibility rules over the builtin catalog: small snapshots
//! built with [`Setup`], one table row per rule.

mod caller;
mod manual;
mod matrix;
mod props;
mod reasons;
mod source_cases;
mod target_cases;

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::catalog::CatalogKind;
use crate::domain::ids::*;
use crate::domain::model::*;
use crate::domain::roles::{Caller, Principal};

pub(super) static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::builtin().expect("the builtin catalog loads"));

pub(super) fn offer(id: &str) -> OfferId {
    OfferId::parse(id).expect("a valid offer id")
}

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 15, 12, 0, 0).unwrap()
}

pub(super) fn user_caller(partner: PartnerId) -> Caller {
    Caller {
        partner_id: partner,
        principal: Principal::User {
            id: PartnerUserId(Uuid::from_u128(7)),
            upn: "agent@partner.example".into(),
            display_name: "Agent".into(),
        },
        roles: [Role::AdminAgent].into(),
    }
}

pub(super) fn app_caller(partner: PartnerId) -> Caller {
    Caller {
        partner_id: partner,
        principal: Principal::App {
            app_id: "billing-sync".into(),
        },
        roles: BTreeSet::new(),
    }
}

/// A customer with one healthy source subscription through this partner
/// (10 seats, all assigned to 10 users) and a delegated admin relationship
/// that allows license transfer; tests change what their rule is about.
pub(super) struct Setup {
    pub snapshot: CustomerSnapshot,
    pub caller: Caller,
    pub source: SubscriptionId,
    next_id: u128,
}

impl Setup {
    pub fn new(source_offer: &str) -> Self {
        let partner = PartnerId(Uuid::from_u128(1));
        let customer = Customer {
            id: CustomerId(Uuid::from_u128(2)),
            partner_id: partner,
            name: "Contoso".into(),
            country: "NL".into(),
            segment: Segment::Commercial,
            custom_domain: false,
            unpaid_balance: false,
            service_incidents: BTreeSet::new(),
            delegated_admin: DelegatedAdmin {
                status: RelationshipStatus::Active,
                roles: [DelegatedRole::DirectoryReader, DelegatedRole::LicenseAdmin].into(),
            },
        };
        let mut setup = Setup {
            snapshot: CustomerSnapshot {
                customer,
                subscriptions: Vec::new(),
                users: Vec::new(),
                open_orders: Vec::new(),
            },
            caller: user_caller(partner),
            source: SubscriptionId(Uuid::nil()),
            next_id: 100,
        };
        setup.source = setup.add(source_offer, Channel::ThisPartner).id;
        setup.users(setup.source, 10);
        setup
    }

    fn fresh(&mut self) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128(self.next_id)
    }

    /// Adds an active, provisioned subscription of 10 seats, all assigned.
    pub fn add(&mut self, offer_id: &str, channel: Channel) -> &mut Subscription {
        let id = SubscriptionId(self.fresh());
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        self.snapshot.subscriptions.push(Subscription {
            id,
            customer_id: self.snapshot.customer.id,
            offer_id: offer(offer_id),
            channel,
            status: SubscriptionStatus::Active,
            provisioned: true,
            quantity: 10,
            assigned_seats: 10,
            billing_cycle: BillingCycle::Monthly,
            payment_method: PaymentMethod::CreditCard,
            trial: false,
            parent_id: None,
            period_start: start,
            period_end: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            created_at: start,
        });
        self.snapshot.subscriptions.last_mut().unwrap()
    }

    /// Adds an add-on of the source subscription.
    pub fn add_on(&mut self, offer_id: &str) -> SubscriptionId {
        let parent = self.source;
        let sub = self.add(offer_id, Channel::ThisPartner);
        sub.parent_id = Some(parent);
        sub.id
    }

    pub fn sub(&mut self, id: SubscriptionId) -> &mut Subscription {
        self.snapshot
            .subscriptions
            .iter_mut()
            .find(|s| s.id == id)
            .expect("a subscription of the setup")
    }

    pub fn src(&mut self) -> &mut Subscription {
        let id = self.source;
        self.sub(id)
    }

    pub fn customer(&mut self) -> &mut Customer {
        &mut self.snapshot.customer
    }

    /// Adds `n` users licensed on `sub`.
    pub fn users(&mut self, sub: SubscriptionId, n: usize) {
        for i in 0..n {
            let id = CustomerUserId(self.fresh());
            self.snapshot.users.push(CustomerUser {
                id,
                customer_id: self.snapshot.customer.id,
                upn: format!("user{i}-{id}@contoso.example"),
                display_name: format!("User {i}"),
                sign_in_blocked: false,
                licenses: vec![License {
                    subscription_id: sub,
                    disabled_services: BTreeSet::new(),
                }],
            });
        }
    }

    /// Adds an open order of this customer on another subscription.
    pub fn order(&mut self, state: OrderState) -> OrderId {
        let other = self.add("o365-e1", Channel::ThisPartner).id;
        let id = OrderId(self.fresh());
        self.snapshot.open_orders.push(OrderSummary {
            id,
            customer_id: self.snapshot.customer.id,
            source_subscription_id: other,
            target_offer_id: offer("o365-e3"),
            state,
            created_at: now(),
        });
        id
    }

    pub fn check(&self, target: Option<&str>) -> Eligibility {
        let target = target.map(offer);
        check(
            &CATALOG,
            &self.snapshot,
            &self.caller,
            now(),
            self.source,
            target.as_ref(),
        )
        .expect("the check answers")
    }

    /// The answer for one named target.
    pub fn target(&self, target: &str) -> TargetEligibility {
        let mut answer = self.check(Some(target));
        assert_eq!(answer.targets.len(), 1);
        answer.targets.remove(0)
    }

    pub fn available(&self) -> std::collections::HashSet<SubscriptionId> {
        upgrade_available(&CATALOG, &self.snapshot, &self.caller, now())
    }
}

/// A text as the English catalog says it.
pub(super) fn en(t: &crate::domain::text::Text) -> String {
    crate::i18n::Lang::En
        .try_render(t)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A manual path's steps in English.
pub(super) fn steps(m: &ManualPath) -> Vec<String> {
    m.steps.iter().map(en).collect()
}

/// Properties every answer has, whatever the rules decided.
pub(super) fn assert_well_formed(answer: &Eligibility) {
    for t in &answer.targets {
        assert_eq!(t.eligible, t.reasons.is_empty(), "{}", t.target);
        assert_eq!(t.eligible, !t.upgrade_types.is_empty(), "{}", t.target);
        assert!(!(t.eligible && t.manual_path.is_some()), "{}", t.target);
        assert_eq!(
            t.reasons[..answer.source_reasons.len()],
            answer.source_reasons[..]
        );
        let target_codes: Vec<ReasonCode> = t.reasons[answer.source_reasons.len()..]
            .iter()
            .map(|r| r.code)
            .collect();
        assert!(target_codes.is_sorted(), "{target_codes:?}");
        assert!(target_codes.iter().all(|c| !c.is_source_level()));
        for r in &t.reasons {
            let message = en(&r.message);
            assert!(message.ends_with('.'), "{message}");
            assert!(!message.contains('{'), "{message}");
        }
    }
}
