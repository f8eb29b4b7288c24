use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::dataset::Dataset;

fn spec(seed: u64) -> Spec {
    Spec {
        customers: 40,
        subscriptions_per_customer: 10,
        users_per_subscription: 2,
        big_customer_subscriptions: 60,
        seed,
        anchor: Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
    }
}

fn catalog() -> Catalog {
    Catalog::builtin().unwrap()
}

fn ga(data: &ValidDataset) -> Caller {
    let user = &data.partner_users[0];
    Caller {
        partner_id: user.partner_id,
        principal: Principal::User {
            id: user.id,
            upn: user.upn.clone(),
            display_name: user.display_name.clone(),
        },
        roles: user.roles.clone(),
    }
}

#[test]
fn the_file_validates_and_reads_back_as_generated() {
    let catalog = catalog();
    let data = generate(&catalog, &spec(7));
    let json = serde_json::to_string(&to_raw(&data)).unwrap();
    let read = Dataset::from_json(&json)
        .unwrap()
        .validate(&catalog)
        .unwrap_or_else(|errors| panic!("{errors:#?}"));
    assert_eq!(read, data);
}

#[test]
fn sizes_follow_the_spec() {
    let s = spec(1);
    let data = generate(&catalog(), &s);
    assert_eq!(data.partners.len(), 1);
    assert_eq!(data.customers.len(), s.customers + 1);
    assert_eq!(
        data.subscriptions.len(),
        s.customers * s.subscriptions_per_customer + s.big_customer_subscriptions
    );
    let big = data
        .customers
        .iter()
        .find(|c| c.name == BIG_CUSTOMER_NAME)
        .unwrap();
    let big_subs = data
        .subscriptions
        .iter()
        .filter(|x| x.customer_id == big.id)
        .count();
    assert_eq!(big_subs, s.big_customer_subscriptions);
    let upns: Vec<&str> = data.partner_users.iter().map(|u| u.upn.as_str()).collect();
    let expected: Vec<&str> = PARTNER_USERS.iter().map(|u| u.0).collect();
    assert_eq!(upns, expected);
    let roles: BTreeSet<Role> = data
        .partner_users
        .iter()
        .flat_map(|u| u.roles.iter().copied())
        .collect();
    assert_eq!(roles.len(), Role::ALL.len(), "a user for every role");
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let catalog = catalog();
    assert_eq!(generate(&catalog, &spec(3)), generate(&catalog, &spec(3)));
    assert_ne!(generate(&catalog, &spec(3)), generate(&catalog, &spec(4)));
}

#[test]
fn every_regular_customer_has_an_upgrade_with_license_transfer() {
    let catalog = catalog();
    let s = spec(11);
    let data = generate(&catalog, &s);
    let caller = ga(&data);
    for snapshot in snapshots(&data)
        .iter()
        .filter(|c| c.customer.name != BIG_CUSTOMER_NAME)
    {
        let first = snapshot.subscriptions[0].id;
        let answer =
            eligibility::check(&catalog, snapshot, &caller, s.anchor, first, None).unwrap();
        assert!(
            answer
                .targets
                .iter()
                .any(|t| t.eligible && t.upgrade_types.contains(&UpgradeType::WithLicenseTransfer)),
            "{}: {answer:#?}",
            snapshot.customer.name
        );
    }
}

#[test]
fn the_data_is_varied() {
    let data = generate(&catalog(), &spec(5));
    let channels: BTreeSet<Channel> = data.subscriptions.iter().map(|s| s.channel).collect();
    assert!(channels.contains(&Channel::ThisPartner));
    assert!(channels.contains(&Channel::OtherPartner));
    assert!(channels.contains(&Channel::Direct));
    let this_partner = data
        .subscriptions
        .iter()
        .filter(|s| s.channel == Channel::ThisPartner)
        .count();
    assert!(
        this_partner * 2 > data.subscriptions.len(),
        "mostly this partner"
    );
    assert!(
        data.subscriptions.iter().any(|s| s.parent_id.is_some()),
        "add-ons"
    );
    let statuses: BTreeSet<SubscriptionStatus> =
        data.subscriptions.iter().map(|s| s.status).collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    let offers: BTreeSet<&str> = data
        .subscriptions
        .iter()
        .map(|s| s.offer_id.as_str())
        .collect();
    assert!(offers.len() >= 10, "{offers:?}");
    assert!(
        data.customer_users
            .iter()
            .any(|u| u.licenses.iter().any(|l| !l.disabled_services.is_empty()))
    );
    assert!(data.customers.iter().any(|c| c.country == "IN"));
}
