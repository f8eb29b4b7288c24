//! The change set, rule by rule, on the demo dataset's first partner.

use super::*;
use crate::domain::catalog::Catalog;
use crate::domain::dataset::Dataset;

const P1: &str = "10000000-0000-4000-8000-000000000001";

fn demo() -> ValidDataset {
    let catalog = Catalog::builtin().unwrap();
    Dataset::from_json(include_str!("../../../demo/dataset.json"))
        .unwrap()
        .validate(&catalog)
        .unwrap()
}

fn wanted() -> Wanted {
    select(demo(), Some(PartnerId::parse(P1).unwrap())).unwrap()
}

/// What the service holds after applying `w` exactly.
fn stored_as(w: &Wanted) -> Stored {
    Stored {
        customers: w.customers.clone(),
        subscriptions: w.subscriptions.clone(),
        users: w.users.clone(),
    }
}

#[test]
fn select_needs_a_partner_when_the_file_holds_several() {
    let err = select(demo(), None).unwrap_err();
    assert_eq!(err.record, "partners");
    assert!(err.message.contains("2 partners"), "{err}");
    let missing = PartnerId::new_v4();
    let err = select(demo(), Some(missing)).unwrap_err();
    assert!(err.message.contains(&missing.to_string()), "{err}");
}

#[test]
fn select_keeps_only_the_partners_records() {
    let w = wanted();
    let ours: HashSet<CustomerId> = w.customers.iter().map(|c| c.id).collect();
    assert!(!w.customers.is_empty());
    assert!(w.customers.iter().all(|c| c.partner_id == w.partner.id));
    assert!(
        w.subscriptions
            .iter()
            .all(|s| ours.contains(&s.customer_id))
    );
    assert!(w.users.iter().all(|u| ours.contains(&u.customer_id)));
    let all = demo();
    assert!(w.customers.len() < all.customers.len());
    assert_eq!(w.ignored, all.partner_users.len() + all.orders.len());
}

#[test]
fn the_same_state_changes_nothing() {
    let w = wanted();
    let changes = diff(w.clone(), &stored_as(&w)).unwrap();
    assert!(changes.is_empty(), "{changes:?}");
    let report = Report::new(&changes, false);
    assert!(!report.changed);
    assert!(report.records.is_empty());
}

#[test]
fn an_empty_service_inserts_everything() {
    let w = wanted();
    let changes = diff(w.clone(), &Stored::default()).unwrap();
    assert_eq!(changes.customers.inserted.len(), w.customers.len());
    assert_eq!(changes.subscriptions.inserted.len(), w.subscriptions.len());
    assert_eq!(changes.users.inserted.len(), w.users.len());
    let report = Report::new(&changes, true);
    assert_eq!(report.counts.customers.inserted, w.customers.len());
    assert!(report.dry_run && report.changed);
}

fn fields<T>(updated: &[Updated<T>]) -> Vec<&'static str> {
    updated.first().map(|u| u.fields.clone()).unwrap()
}

#[test]
fn every_changed_field_is_named() {
    let w = wanted();
    let stored = stored_as(&w);
    let mut w2 = w.clone();
    let c = &mut w2.customers[0];
    c.name.push_str(" B.V.");
    c.service_incidents.insert("exchange".into());
    c.delegated_admin.roles.clear();
    let s = &mut w2.subscriptions[0];
    s.channel = Channel::Direct;
    s.quantity += 1;
    let u = w2
        .users
        .iter_mut()
        .find(|u| !u.licenses.is_empty())
        .unwrap();
    u.sign_in_blocked = !u.sign_in_blocked;
    u.licenses[0].disabled_services.insert("zzz".into());
    let changes = diff(w2.clone(), &stored).unwrap();
    let mut customer = fields(&changes.customers.updated);
    customer.sort_unstable();
    let mut expected = vec!["name", "service_incidents"];
    if !w.customers[0].delegated_admin.roles.is_empty() {
        expected.push("delegated_admin.roles");
    }
    expected.sort_unstable();
    assert_eq!(customer, expected);
    assert_eq!(
        fields(&changes.subscriptions.updated),
        ["channel", "quantity"]
    );
    assert_eq!(
        fields(&changes.users.updated),
        ["sign_in_blocked", "licenses.disabled_services"]
    );
    assert_eq!(changes.customers.updated.len(), 1);
    assert_eq!(changes.subscriptions.updated.len(), 1);
    assert_eq!(changes.users.updated.len(), 1);
}

#[test]
fn a_license_taken_away_changes_the_licenses() {
    let w = wanted();
    let mut w2 = w.clone();
    let u = w2
        .users
        .iter_mut()
        .find(|u| !u.licenses.is_empty())
        .unwrap();
    u.licenses.pop();
    let changes = diff(w2.clone(), &stored_as(&w)).unwrap();
    assert_eq!(changes.users.updated[0].fields, ["licenses"]);
}

#[test]
fn nanoseconds_the_database_drops_are_no_change() {
    let w = wanted();
    let mut w2 = w.clone();
    w2.subscriptions[0].period_start += chrono::Duration::nanoseconds(7);
    assert!(diff(w2.clone(), &stored_as(&w)).unwrap().is_empty());
    w2.subscriptions[0].period_start += chrono::Duration::microseconds(1);
    assert_eq!(
        diff(w2.clone(), &stored_as(&w))
            .unwrap()
            .subscriptions
            .updated[0]
            .fields,
        ["period_start"]
    );
}

#[test]
fn records_missing_from_the_file_are_deleted_once() {
    let w = wanted();
    let mut stored = stored_as(&w);
    let mut w2 = w.clone();
    let gone_sub = w2.subscriptions.pop().unwrap();
    let gone_user = w2.users.pop().unwrap();
    let changes = diff(w2.clone(), &stored).unwrap();
    assert_eq!(changes.subscriptions.deleted, [gone_sub]);
    assert_eq!(changes.users.deleted, [gone_user]);
    assert!(changes.customers.deleted.is_empty());
    // Once marked, the subscription is not deleted again; the user is gone.
    let last = stored.subscriptions.iter_mut().last().unwrap();
    last.status = SubscriptionStatus::Deleted;
    stored.users.pop();
    assert!(diff(w2.clone(), &stored).unwrap().is_empty());
}

#[test]
fn a_customer_missing_from_the_file_loses_its_subscriptions_and_users() {
    let w = wanted();
    let mut w2 = w.clone();
    let gone = w2.customers.remove(0).id;
    w2.subscriptions.retain(|s| s.customer_id != gone);
    w2.users.retain(|u| u.customer_id != gone);
    let changes = diff(w2.clone(), &stored_as(&w)).unwrap();
    let subs = w.subscriptions.iter().filter(|s| s.customer_id == gone);
    assert_eq!(changes.subscriptions.deleted.len(), subs.count());
    assert!(changes.customers.is_empty());
}

#[test]
fn a_record_never_moves_between_customers() {
    let w = wanted();
    let mut w2 = w.clone();
    let other = w2.customers[1].id;
    w2.subscriptions[0].customer_id = other;
    let errors = diff(w2.clone(), &stored_as(&w)).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].record.starts_with("subscriptions[0]"));
    assert_eq!(errors[0].field, "customer_id");
}

#[test]
fn the_touched_customers_are_those_written() {
    let w = wanted();
    let mut w2 = w.clone();
    w2.subscriptions[0].quantity += 1;
    let changes = diff(w2.clone(), &stored_as(&w)).unwrap();
    assert_eq!(
        changes.customers_touched().into_iter().collect::<Vec<_>>(),
        [w.subscriptions[0].customer_id]
    );
}
