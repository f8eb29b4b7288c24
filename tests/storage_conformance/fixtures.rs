//! Datasets for the conformance suite, built directly (as a validated
//! dataset would be) so each test states only what it changes.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use csp_upgrades::domain::dataset::{ImportedOrder, ValidDataset};
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;

/// A time with microseconds, the precision both backends keep.
pub fn at(day: u32, micros: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, day, 9, 30, 0).unwrap() + Duration::microseconds(micros)
}

pub fn partner(name: &str) -> Partner {
    Partner {
        id: PartnerId::new_v4(),
        name: name.into(),
    }
}

pub fn partner_user(partner: &Partner, upn: &str, roles: &[Role]) -> PartnerUser {
    PartnerUser {
        id: PartnerUserId::new_v4(),
        partner_id: partner.id,
        upn: upn.into(),
        display_name: format!("User {upn}"),
        roles: roles.iter().copied().collect(),
    }
}

pub fn customer(partner: &Partner, name: &str) -> Customer {
    Customer {
        id: CustomerId::new_v4(),
        partner_id: partner.id,
        name: name.into(),
        country: "NL".into(),
        segment: Segment::Commercial,
        custom_domain: false,
        unpaid_balance: false,
        service_incidents: BTreeSet::new(),
        delegated_admin: DelegatedAdmin {
            status: RelationshipStatus::None,
            roles: BTreeSet::new(),
        },
    }
}

pub fn subscription(customer: &Customer, offer: &str, created: DateTime<Utc>) -> Subscription {
    Subscription {
        id: SubscriptionId::new_v4(),
        customer_id: customer.id,
        offer_id: OfferId::parse(offer).unwrap(),
        channel: Channel::ThisPartner,
        status: SubscriptionStatus::Active,
        provisioned: true,
        quantity: 10,
        assigned_seats: 8,
        billing_cycle: BillingCycle::Monthly,
        payment_method: PaymentMethod::Invoice,
        trial: false,
        parent_id: None,
        period_start: at(1, 0),
        period_end: at(1, 0) + Duration::days(30),
        created_at: created,
    }
}

pub fn user(customer: &Customer, upn: &str, licenses: Vec<License>) -> CustomerUser {
    CustomerUser {
        id: CustomerUserId::new_v4(),
        customer_id: customer.id,
        upn: upn.into(),
        display_name: format!("User {upn}"),
        sign_in_blocked: false,
        licenses,
    }
}

pub fn license(subscription: &Subscription, disabled: &[&str]) -> License {
    License {
        subscription_id: subscription.id,
        disabled_services: disabled.iter().map(|s| s.to_string()).collect(),
    }
}

pub fn order(
    by: &PartnerUser,
    source: &Subscription,
    state: OrderState,
    day: u32,
) -> ImportedOrder {
    ImportedOrder {
        summary: OrderSummary {
            id: OrderId::new_v4(),
            customer_id: source.customer_id,
            source_subscription_id: source.id,
            target_offer_id: OfferId::parse("o365-e5").unwrap(),
            state,
            created_at: at(day, 17),
        },
        partner_id: by.partner_id,
        submitted_by: by.id,
        quantity: source.quantity + 2,
        upgrade_type: UpgradeType::WithLicenseTransfer,
    }
}

/// Two partners; the first has a customer with one of everything (`rich`)
/// and a bare one, the second a customer of its own.
pub struct Demo {
    pub data: ValidDataset,
    pub partner: Partner,
    pub other: Partner,
    pub rich: Customer,
    pub bare: Customer,
    pub foreign: Customer,
    pub open_orders: Vec<OrderId>,
}

pub fn demo() -> Demo {
    let p = partner("Contoso Partner");
    let other = partner("Fabrikam Partner");
    let admin = partner_user(
        &p,
        "Alice.Admin@Contoso.example",
        &[Role::GlobalAdmin, Role::BillingAdmin],
    );
    let agent = partner_user(&p, "agent@contoso.example", &[Role::SalesAgent]);
    let nobody = partner_user(&p, "nobody@contoso.example", &[]);
    let foreign_admin = partner_user(&other, "admin@fabrikam.example", &[Role::GlobalAdmin]);

    let mut rich = customer(&p, "Rich Customer");
    rich.country = "IN".into();
    rich.segment = Segment::Education;
    rich.custom_domain = true;
    rich.unpaid_balance = true;
    rich.service_incidents = ["exchange".to_string(), "teams".to_string()].into();
    rich.delegated_admin = DelegatedAdmin {
        status: RelationshipStatus::Active,
        roles: [DelegatedRole::DirectoryReader, DelegatedRole::LicenseAdmin].into(),
    };
    let bare = customer(&p, "Bare Customer");
    let mut foreign = customer(&other, "Foreign Customer");
    foreign.delegated_admin.status = RelationshipStatus::Expired;

    // One subscription per channel, each field varied somewhere.
    let mut subs: Vec<Subscription> = Channel::ALL
        .iter()
        .enumerate()
        .map(|(i, &channel)| {
            let mut s = subscription(&rich, "m365-business-basic", at(2, i as i64 * 1001));
            s.channel = channel;
            s
        })
        .collect();
    subs[1].status = SubscriptionStatus::Suspended;
    subs[1].provisioned = false;
    subs[2].billing_cycle = BillingCycle::Annual;
    subs[2].payment_method = PaymentMethod::CreditCard;
    subs[3].payment_method = PaymentMethod::Prepaid;
    subs[3].trial = true;
    subs[4].quantity = 0;
    subs[4].assigned_seats = 0;
    subs[4].status = SubscriptionStatus::Deleted;
    let base = subs[0].clone();
    let mut add_on = subscription(&rich, "exchange-online-archiving", at(3, 5));
    add_on.parent_id = Some(base.id);
    // Listed before its base: import must order the writes itself.
    subs.insert(0, add_on.clone());
    let foreign_sub = subscription(&foreign, "o365-e3", at(4, 0));
    subs.push(foreign_sub.clone());

    let mut blocked = user(&rich, "zed@rich.example", vec![]);
    blocked.sign_in_blocked = true;
    let users = vec![
        user(
            &rich,
            "amy@rich.example",
            vec![
                license(&base, &["teams", "sharepoint"]),
                license(&add_on, &[]),
            ],
        ),
        blocked,
        user(
            &foreign,
            "fred@foreign.example",
            vec![license(&foreign_sub, &["exchange"])],
        ),
    ];

    // Every state an import may hold (a scheduled order is only submitted).
    let orders: Vec<ImportedOrder> = OrderState::ALL
        .iter()
        .filter(|s| **s != OrderState::Scheduled)
        .enumerate()
        .map(|(i, &state)| order(&admin, &base, state, 10 + i as u32))
        .collect();
    let open_orders = orders
        .iter()
        .filter(|o| o.summary.state.is_open())
        .map(|o| o.summary.id)
        .collect();

    Demo {
        data: ValidDataset {
            partners: vec![p.clone(), other.clone()],
            partner_users: vec![admin, agent, nobody, foreign_admin],
            customers: vec![rich.clone(), bare.clone(), foreign.clone()],
            subscriptions: subs,
            customer_users: users,
            orders,
        },
        partner: p,
        other,
        rich,
        bare,
        foreign,
        open_orders,
    }
}
