//! Issue 15: nothing imports that the service could not then serve. Names,
//! UPNs, seats, timestamps and the size of one customer are held to
//! `domain::limits` (the numbers the API's edge checks too), NUL characters
//! are refused before Postgres would, and a huge value is quoted short.

use super::*;
use crate::domain::limits::{self, MAX_NAME_CHARS, MAX_SEATS, MAX_UPN_CHARS};

type Breaker = Box<dyn Fn(&mut Dataset)>;

fn cases() -> Vec<(&'static str, Breaker, &'static str, &'static str)> {
    let s1 = "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)";
    let cu1 = "customer_users[0] (id 50000000-0000-4000-8000-000000000001)";
    vec![
        (
            "a partner name past the limit",
            Box::new(|d| d.partners[0].name = "n".repeat(MAX_NAME_CHARS + 1)),
            "partners[0] (id 10000000-0000-4000-8000-000000000001)",
            "name",
        ),
        (
            "a NUL in a customer name",
            Box::new(|d| d.customers[0].name = "Al\0pha".into()),
            "customers[0] (id 30000000-0000-4000-8000-000000000001)",
            "name",
        ),
        (
            "a NUL in a display name",
            Box::new(|d| d.customer_users[0].display_name = "Al\0ice".into()),
            cu1,
            "display_name",
        ),
        (
            "a UPN too long",
            Box::new(|d| {
                d.customer_users[0].upn = format!("{}@alpha.example", "a".repeat(MAX_UPN_CHARS))
            }),
            cu1,
            "upn",
        ),
        (
            "a NUL in a UPN",
            Box::new(|d| d.customer_users[0].upn = "al\0ice@alpha.example".into()),
            cu1,
            "upn",
        ),
        (
            "quantity i64::MAX",
            Box::new(|d| d.subscriptions[0].quantity = i64::MAX),
            s1,
            "quantity",
        ),
        (
            "assigned seats above the limit",
            Box::new(|d| d.subscriptions[0].assigned_seats = MAX_SEATS + 1),
            s1,
            "assigned_seats",
        ),
        (
            "an order of i64::MAX seats",
            Box::new(|d| d.orders[0].quantity = i64::MAX),
            "orders[0] (id 60000000-0000-4000-8000-000000000001)",
            "quantity",
        ),
        (
            "year 0",
            Box::new(|d| d.subscriptions[0].period_start = "0000-06-01T00:00:00Z".into()),
            s1,
            "period_start",
        ),
        (
            "too many licenses for one user",
            Box::new(|d| {
                let license = d.customer_users[0].licenses[0].clone();
                d.customer_users[0].licenses = vec![license; limits::MAX_LICENSES_PER_USER + 1];
            }),
            cu1,
            "licenses",
        ),
    ]
}

#[test]
fn each_limit_is_reported_on_its_record_and_field() {
    let catalog = catalog();
    for (what, breaker, record, field) in cases() {
        let mut ds = fixture();
        breaker(&mut ds);
        let errors = ds.validate(&catalog).expect_err(what);
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.record.as_str(), e.field.as_str()))
            .collect();
        assert_eq!(got, [(record, field)], "{what}: {errors:#?}");
        assert!(errors[0].message.len() < 200, "{what}: {}", errors[0]);
    }
}

#[test]
fn a_customer_with_more_subscriptions_than_supported_is_refused_whole() {
    let mut ds = fixture();
    let template = ds.subscriptions[0].clone();
    for i in 0..limits::MAX_SUBSCRIPTIONS_PER_CUSTOMER {
        let mut s = template.clone();
        s.id = uuid::Uuid::from_u128(0x4100_0000_0000_4000_8000_0000_0000_0000 + i as u128)
            .to_string();
        ds.subscriptions.push(s);
    }
    let errors = ds.clone().validate(&catalog()).unwrap_err();
    let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [format!(
            "customers[0] (id {C1}): subscriptions: has {} subscriptions; one customer may have \
             at most {}",
            limits::MAX_SUBSCRIPTIONS_PER_CUSTOMER + 2,
            limits::MAX_SUBSCRIPTIONS_PER_CUSTOMER
        )]
    );
    // At the limit it imports.
    ds.subscriptions
        .truncate(limits::MAX_SUBSCRIPTIONS_PER_CUSTOMER + 1);
    ds.subscriptions.remove(1); // the add-on; its user's license goes too
    ds.customer_users[1].licenses.truncate(1);
    assert!(ds.validate(&catalog()).is_ok());
}

#[test]
fn a_huge_id_is_quoted_short_in_its_record_and_message() {
    let mut ds = fixture();
    ds.orders[0].id = "x".repeat(1_000_000);
    let errors = ds.validate(&catalog()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let text = errors[0].to_string();
    assert!(text.len() < 400, "{} bytes", text.len());
    assert!(text.contains("(1000000 characters)"), "{text}");
}
