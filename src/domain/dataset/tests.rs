//! A small valid dataset and its exact conversion; the error cases live in
//! `tests/errors.rs` and start from the same fixture.

mod errors;
mod limits;

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::catalog::Catalog;

pub(super) const P1: &str = "10000000-0000-4000-8000-000000000001";
pub(super) const P2: &str = "10000000-0000-4000-8000-000000000002";
pub(super) const U1: &str = "20000000-0000-4000-8000-000000000001";
pub(super) const U2: &str = "20000000-0000-4000-8000-000000000002";
pub(super) const C1: &str = "30000000-0000-4000-8000-000000000001";
pub(super) const C2: &str = "30000000-0000-4000-8000-000000000002";
pub(super) const S1: &str = "40000000-0000-4000-8000-000000000001";
pub(super) const S2: &str = "40000000-0000-4000-8000-000000000002";
pub(super) const S3: &str = "40000000-0000-4000-8000-000000000003";
pub(super) const CU1: &str = "50000000-0000-4000-8000-000000000001";
pub(super) const CU2: &str = "50000000-0000-4000-8000-000000000002";
pub(super) const O1: &str = "60000000-0000-4000-8000-000000000001";

/// Just enough catalog for the fixture: two bases, one add-on attaching to
/// basic only, one target.
pub(super) fn catalog() -> Catalog {
    Catalog::from_toml_str(
        r#"
[[service]]
id = "exchange"
name = "Exchange Online"
data_related = true
levels = ["Kiosk", "Plan 1", "Plan 2"]

[[service]]
id = "sharepoint"
name = "SharePoint Online"
data_related = true
levels = ["Plan 1", "Plan 2"]

[[service]]
id = "business_voice"
name = "Business Voice"
levels = ["Business Voice"]

[[offer]]
id = "m365-business-basic"
name = "Microsoft 365 Business Basic"
family = "m365-business"
catalog = "CSP"
market = "GLOBAL"
segment = "COMMERCIAL"
services = { exchange = 2, sharepoint = 1 }
min_seats = 1
max_seats = 300
billing_cycles = ["MONTHLY", "ANNUAL"]
price = "6.00"
currency = "USD"

[[offer]]
id = "o365-e3"
name = "Office 365 E3"
family = "o365-enterprise"
catalog = "CSP"
market = "GLOBAL"
segment = "COMMERCIAL"
services = { exchange = 3, sharepoint = 2 }
min_seats = 1
max_seats = 10000
billing_cycles = ["MONTHLY", "ANNUAL"]
price = "23.00"
currency = "USD"

[[offer]]
id = "business-voice"
name = "Microsoft 365 Business Voice"
family = "o365-add-on"
catalog = "CSP"
market = "GLOBAL"
segment = "COMMERCIAL"
services = { business_voice = 1 }
add_on = true
bases = ["m365-business-basic"]
min_seats = 1
max_seats = 300
billing_cycles = ["MONTHLY", "ANNUAL"]
price = "10.00"
currency = "USD"

[[path]]
from = "m365-business-basic"
to = ["o365-e3"]
"#,
    )
    .expect("test catalog is valid")
}

/// Two partners; Alpha (partner 1) has Business Basic with a Business Voice
/// add-on, two users and an order; Beta (partner 2) has E3 and no users.
pub(super) fn fixture() -> Dataset {
    let json = format!(
        r#"{{
  "partners": [
    {{ "id": "{P1}", "name": "Contoso" }},
    {{ "id": "{P2}", "name": "Fabrikam" }}
  ],
  "partner_users": [
    {{ "id": "{U1}", "partner_id": "{P1}", "upn": "ga@contoso.example",
       "display_name": "Grace Admin", "roles": ["SALES_AGENT", "GLOBAL_ADMIN"] }},
    {{ "id": "{U2}", "partner_id": "{P2}", "upn": "ga@fabrikam.example",
       "display_name": "Gus Admin" }}
  ],
  "customers": [
    {{ "id": "{C1}", "partner_id": "{P1}", "name": "Alpha", "country": "NL",
       "segment": "COMMERCIAL", "custom_domain": true, "unpaid_balance": false,
       "service_incidents": ["exchange"],
       "delegated_admin": {{ "status": "ACTIVE", "roles": ["LICENSE_ADMIN", "USER_ADMIN"] }} }},
    {{ "id": "{C2}", "partner_id": "{P2}", "name": "Beta", "country": "IN",
       "segment": "EDUCATION", "custom_domain": false, "unpaid_balance": true,
       "delegated_admin": {{ "status": "NONE" }} }}
  ],
  "subscriptions": [
    {{ "id": "{S1}", "customer_id": "{C1}", "offer_id": "m365-business-basic",
       "channel": "THIS_PARTNER", "status": "ACTIVE", "provisioned": true,
       "quantity": 10, "assigned_seats": 2, "billing_cycle": "MONTHLY",
       "payment_method": "CREDIT_CARD", "trial": false, "parent_id": null,
       "period_start": "2024-01-01T00:00:00Z", "period_end": "2024-02-01T00:00:00Z",
       "created_at": "2023-12-15T10:00:00+01:00" }},
    {{ "id": "{S2}", "customer_id": "{C1}", "offer_id": "business-voice",
       "channel": "THIS_PARTNER", "status": "SUSPENDED", "provisioned": false,
       "quantity": 1, "assigned_seats": 1, "billing_cycle": "ANNUAL",
       "payment_method": "INVOICE", "trial": true, "parent_id": "{S1}",
       "period_start": "2024-01-01T00:00:00Z", "period_end": "2025-01-01T00:00:00Z" }},
    {{ "id": "{S3}", "customer_id": "{C2}", "offer_id": "o365-e3",
       "channel": "OTHER_PARTNER", "status": "ACTIVE", "provisioned": true,
       "quantity": 0, "assigned_seats": 0, "billing_cycle": "MONTHLY",
       "payment_method": "PREPAID", "trial": false,
       "period_start": "2024-03-01T00:00:00Z", "period_end": "2024-04-01T00:00:00Z" }}
  ],
  "customer_users": [
    {{ "id": "{CU1}", "customer_id": "{C1}", "upn": "alice@alpha.example",
       "display_name": "Alice", "sign_in_blocked": true,
       "licenses": [{{ "subscription_id": "{S1}", "disabled_services": ["sharepoint"] }}] }},
    {{ "id": "{CU2}", "customer_id": "{C1}", "upn": "bob@alpha.example",
       "display_name": "Bob",
       "licenses": [{{ "subscription_id": "{S1}" }}, {{ "subscription_id": "{S2}" }}] }}
  ],
  "orders": [
    {{ "id": "{O1}", "partner_id": "{P1}", "customer_id": "{C1}",
       "source_subscription_id": "{S1}", "target_offer_id": "o365-e3", "quantity": 10,
       "upgrade_type": "WITH_LICENSE_TRANSFER", "state": "IN_PROGRESS",
       "submitted_by": "{U1}", "created_at": "2024-01-10T12:30:00Z" }}
  ]
}}"#
    );
    Dataset::from_json(&json).expect("fixture parses")
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    items.into_iter().collect()
}

#[test]
fn a_valid_dataset_converts_every_field() {
    let valid = fixture().validate(&catalog()).expect("fixture is valid");
    let [p1, p2] = [P1, P2].map(|s| PartnerId::parse(s).unwrap());
    let [c1, c2] = [C1, C2].map(|s| CustomerId::parse(s).unwrap());
    let [s1, s2, s3] = [S1, S2, S3].map(|s| SubscriptionId::parse(s).unwrap());
    let offer = |s: &str| OfferId::parse(s).unwrap();

    let expected = ValidDataset {
        partners: vec![
            Partner {
                id: p1,
                name: "Contoso".into(),
            },
            Partner {
                id: p2,
                name: "Fabrikam".into(),
            },
        ],
        partner_users: vec![
            PartnerUser {
                id: PartnerUserId::parse(U1).unwrap(),
                partner_id: p1,
                upn: "ga@contoso.example".into(),
                display_name: "Grace Admin".into(),
                roles: set([Role::GlobalAdmin, Role::SalesAgent]),
            },
            PartnerUser {
                id: PartnerUserId::parse(U2).unwrap(),
                partner_id: p2,
                upn: "ga@fabrikam.example".into(),
                display_name: "Gus Admin".into(),
                roles: set([]),
            },
        ],
        customers: vec![
            Customer {
                id: c1,
                partner_id: p1,
                name: "Alpha".into(),
                country: "NL".into(),
                segment: Segment::Commercial,
                custom_domain: true,
                unpaid_balance: false,
                service_incidents: set(["exchange".to_owned()]),
                delegated_admin: DelegatedAdmin {
                    status: RelationshipStatus::Active,
                    roles: set([DelegatedRole::LicenseAdmin, DelegatedRole::UserAdmin]),
                },
            },
            Customer {
                id: c2,
                partner_id: p2,
                name: "Beta".into(),
                country: "IN".into(),
                segment: Segment::Education,
                custom_domain: false,
                unpaid_balance: true,
                service_incidents: set([]),
                delegated_admin: DelegatedAdmin {
                    status: RelationshipStatus::None,
                    roles: set([]),
                },
            },
        ],
        subscriptions: vec![
            Subscription {
                id: s1,
                customer_id: c1,
                offer_id: offer("m365-business-basic"),
                channel: Channel::ThisPartner,
                status: SubscriptionStatus::Active,
                provisioned: true,
                quantity: 10,
                assigned_seats: 2,
                billing_cycle: BillingCycle::Monthly,
                payment_method: PaymentMethod::CreditCard,
                trial: false,
                parent_id: None,
                period_start: utc(2024, 1, 1, 0, 0),
                period_end: utc(2024, 2, 1, 0, 0),
                // The offset is kept as the instant it names.
                created_at: utc(2023, 12, 15, 9, 0),
            },
            Subscription {
                id: s2,
                customer_id: c1,
                offer_id: offer("business-voice"),
                channel: Channel::ThisPartner,
                status: SubscriptionStatus::Suspended,
                provisioned: false,
                quantity: 1,
                assigned_seats: 1,
                billing_cycle: BillingCycle::Annual,
                payment_method: PaymentMethod::Invoice,
                trial: true,
                parent_id: Some(s1),
                period_start: utc(2024, 1, 1, 0, 0),
                period_end: utc(2025, 1, 1, 0, 0),
                // created_at defaults to period_start.
                created_at: utc(2024, 1, 1, 0, 0),
            },
            Subscription {
                id: s3,
                customer_id: c2,
                offer_id: offer("o365-e3"),
                channel: Channel::OtherPartner,
                status: SubscriptionStatus::Active,
                provisioned: true,
                quantity: 0,
                assigned_seats: 0,
                billing_cycle: BillingCycle::Monthly,
                payment_method: PaymentMethod::Prepaid,
                trial: false,
                parent_id: None,
                period_start: utc(2024, 3, 1, 0, 0),
                period_end: utc(2024, 4, 1, 0, 0),
                created_at: utc(2024, 3, 1, 0, 0),
            },
        ],
        customer_users: vec![
            CustomerUser {
                id: CustomerUserId::parse(CU1).unwrap(),
                customer_id: c1,
                upn: "alice@alpha.example".into(),
                display_name: "Alice".into(),
                sign_in_blocked: true,
                licenses: vec![License {
                    subscription_id: s1,
                    disabled_services: set(["sharepoint".to_owned()]),
                }],
            },
            CustomerUser {
                id: CustomerUserId::parse(CU2).unwrap(),
                customer_id: c1,
                upn: "bob@alpha.example".into(),
                display_name: "Bob".into(),
                sign_in_blocked: false,
                licenses: vec![
                    License {
                        subscription_id: s1,
                        disabled_services: set([]),
                    },
                    License {
                        subscription_id: s2,
                        disabled_services: set([]),
                    },
                ],
            },
        ],
        orders: vec![ImportedOrder {
            summary: OrderSummary {
                id: OrderId::parse(O1).unwrap(),
                customer_id: c1,
                source_subscription_id: s1,
                target_offer_id: offer("o365-e3"),
                state: OrderState::InProgress,
                created_at: utc(2024, 1, 10, 12, 30),
            },
            partner_id: p1,
            submitted_by: PartnerUserId::parse(U1).unwrap(),
            quantity: 10,
            upgrade_type: UpgradeType::WithLicenseTransfer,
        }],
    };
    assert_eq!(valid, expected);
}

#[test]
fn an_empty_file_is_an_empty_dataset() {
    let ds = Dataset::from_json("{}").unwrap();
    assert_eq!(ds.validate(&catalog()), Ok(ValidDataset::default()));
}

/// The demo data is loaded into an empty database at first start and the
/// eligibility tests rely on it: it must stay valid against the catalog.
#[test]
fn the_demo_dataset_is_valid_against_the_builtin_catalog() {
    let catalog = Catalog::builtin().expect("builtin catalog");
    let ds = Dataset::from_json(include_str!("../../../demo/dataset.json")).expect("demo parses");
    let valid = match ds.validate(&catalog) {
        Ok(valid) => valid,
        Err(errors) => panic!("demo/dataset.json: {errors:#?}"),
    };
    assert_eq!(valid.partners.len(), 2);
    assert!(
        valid
            .orders
            .iter()
            .any(|o| o.summary.state == OrderState::InProgress)
    );
    assert!(
        valid
            .orders
            .iter()
            .any(|o| o.summary.state == OrderState::PendingCreditCheck)
    );
}

/// The example in the format's documentation must stay a valid dataset.
#[test]
fn the_documented_example_is_valid() {
    let doc = include_str!("../../../docs/dataset.md");
    let section = doc
        .split("## A complete small example")
        .nth(1)
        .expect("docs/dataset.md has the example section");
    let json = section
        .split("```json")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the example section has a json block");
    let ds = Dataset::from_json(json).expect("example parses");
    let valid = ds.validate(&Catalog::builtin().expect("builtin catalog"));
    assert!(valid.is_ok(), "{valid:#?}");
}
