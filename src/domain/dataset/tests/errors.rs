//! One case per kind of problem: each starts from the valid fixture, breaks
//! one thing and expects exactly one error naming the record and the field
//! (so a case cannot pass because of some other error).

use super::*;

const NEW: &str = "70000000-0000-4000-8000-000000000099";

type Breaker = fn(&mut Dataset);

/// (what is broken, how, expected record, expected field)
const CASES: &[(&str, Breaker, &str, &str)] = &[
    (
        "own id not a UUID",
        |d| d.orders[0].id = "order-1".into(),
        "orders[0] (id order-1)",
        "id",
    ),
    (
        "empty id",
        |d| d.customer_users[1].id = String::new(),
        "customer_users[1]",
        "id",
    ),
    (
        "reference not a UUID",
        |d| d.subscriptions[2].customer_id = "beta".into(),
        "subscriptions[2] (id 40000000-0000-4000-8000-000000000003)",
        "customer_id",
    ),
    (
        "duplicate id within a kind",
        |d| d.customer_users[1].id = CU1.into(),
        "customer_users[1] (id 50000000-0000-4000-8000-000000000001)",
        "id",
    ),
    (
        "duplicate id across kinds",
        |d| d.orders[0].id = P1.into(),
        "orders[0] (id 10000000-0000-4000-8000-000000000001)",
        "id",
    ),
    (
        "unknown channel",
        |d| d.subscriptions[0].channel = "RESELLER".into(),
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "channel",
    ),
    (
        "unknown subscription status",
        |d| d.subscriptions[0].status = "active".into(),
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "status",
    ),
    (
        "unknown billing cycle",
        |d| d.subscriptions[0].billing_cycle = "WEEKLY".into(),
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "billing_cycle",
    ),
    (
        "unknown payment method",
        |d| d.subscriptions[0].payment_method = "CASH".into(),
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "payment_method",
    ),
    (
        "unknown segment",
        |d| d.customers[0].segment = "RETAIL".into(),
        "customers[0] (id 30000000-0000-4000-8000-000000000001)",
        "segment",
    ),
    (
        "unknown delegated admin status",
        |d| d.customers[0].delegated_admin.status = "REVOKED".into(),
        "customers[0] (id 30000000-0000-4000-8000-000000000001)",
        "delegated_admin.status",
    ),
    (
        "unknown delegated role",
        |d| d.customers[0].delegated_admin.roles[0] = "LICENCE_ADMIN".into(),
        "customers[0] (id 30000000-0000-4000-8000-000000000001)",
        "delegated_admin.roles[0]",
    ),
    (
        "roles granted by no relationship",
        |d| d.customers[1].delegated_admin.roles = vec!["DIRECTORY_READER".into()],
        "customers[1] (id 30000000-0000-4000-8000-000000000002)",
        "delegated_admin.roles",
    ),
    (
        "unknown partner role",
        |d| d.partner_users[0].roles.push("SUPERUSER".into()),
        "partner_users[0] (id 20000000-0000-4000-8000-000000000001)",
        "roles[2]",
    ),
    (
        "partner role listed twice",
        |d| d.partner_users[0].roles.push("GLOBAL_ADMIN".into()),
        "partner_users[0] (id 20000000-0000-4000-8000-000000000001)",
        "roles[2]",
    ),
    (
        "unknown upgrade type",
        |d| d.orders[0].upgrade_type = "SIDEGRADE".into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "upgrade_type",
    ),
    (
        "unknown order state",
        |d| d.orders[0].state = "DONE".into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "state",
    ),
    (
        "unknown offer",
        |d| d.subscriptions[2].offer_id = "m365-business-ultra".into(),
        "subscriptions[2] (id 40000000-0000-4000-8000-000000000003)",
        "offer_id",
    ),
    (
        "malformed offer id",
        |d| d.subscriptions[2].offer_id = "O365 E3".into(),
        "subscriptions[2] (id 40000000-0000-4000-8000-000000000003)",
        "offer_id",
    ),
    (
        "unknown order target offer",
        |d| d.orders[0].target_offer_id = "o365-e9".into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "target_offer_id",
    ),
    (
        "unknown partner",
        |d| d.customers[1].partner_id = NEW.into(),
        "customers[1] (id 30000000-0000-4000-8000-000000000002)",
        "partner_id",
    ),
    (
        "unknown customer",
        |d| d.subscriptions[2].customer_id = NEW.into(),
        "subscriptions[2] (id 40000000-0000-4000-8000-000000000003)",
        "customer_id",
    ),
    (
        "unknown licensed subscription",
        |d| d.customer_users[1].licenses[1].subscription_id = NEW.into(),
        "customer_users[1] (id 50000000-0000-4000-8000-000000000002)",
        "licenses[1].subscription_id",
    ),
    (
        "unknown submitting user",
        |d| d.orders[0].submitted_by = NEW.into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "submitted_by",
    ),
    (
        "unknown order subscription",
        |d| d.orders[0].source_subscription_id = NEW.into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "source_subscription_id",
    ),
    (
        "negative quantity",
        |d| d.subscriptions[0].quantity = -1,
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "quantity",
    ),
    (
        "negative assigned seats",
        |d| d.subscriptions[0].assigned_seats = -3,
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "assigned_seats",
    ),
    (
        "period ends before it starts",
        |d| d.subscriptions[0].period_end = "2023-06-01T00:00:00Z".into(),
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "period_end",
    ),
    (
        "timestamp without time",
        |d| d.subscriptions[0].period_start = "2024-01-01".into(),
        "subscriptions[0] (id 40000000-0000-4000-8000-000000000001)",
        "period_start",
    ),
    (
        "bad created_at",
        |d| d.orders[0].created_at = "yesterday".into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "created_at",
    ),
    (
        "country in lower case",
        |d| d.customers[0].country = "nl".into(),
        "customers[0] (id 30000000-0000-4000-8000-000000000001)",
        "country",
    ),
    (
        "country of three letters",
        |d| d.customers[0].country = "NLD".into(),
        "customers[0] (id 30000000-0000-4000-8000-000000000001)",
        "country",
    ),
    (
        "add-on without parent",
        |d| d.subscriptions[1].parent_id = None,
        "subscriptions[1] (id 40000000-0000-4000-8000-000000000002)",
        "parent_id",
    ),
    (
        "add-on with a missing parent",
        |d| d.subscriptions[1].parent_id = Some(NEW.into()),
        "subscriptions[1] (id 40000000-0000-4000-8000-000000000002)",
        "parent_id",
    ),
    (
        "add-on on a base of another customer",
        |d| {
            // S3 (Beta) made a valid base so that only the customer differs.
            d.subscriptions[2].offer_id = "m365-business-basic".into();
            d.subscriptions[1].parent_id = Some(S3.into());
        },
        "subscriptions[1] (id 40000000-0000-4000-8000-000000000002)",
        "parent_id",
    ),
    (
        "add-on on a base it does not attach to",
        |d| d.subscriptions[0].offer_id = "o365-e3".into(),
        "subscriptions[1] (id 40000000-0000-4000-8000-000000000002)",
        "parent_id",
    ),
    (
        "base offer with a parent",
        |d| d.subscriptions[2].parent_id = Some(S1.into()),
        "subscriptions[2] (id 40000000-0000-4000-8000-000000000003)",
        "parent_id",
    ),
    (
        "license on a subscription of another customer",
        |d| d.customer_users[1].licenses[1].subscription_id = S3.into(),
        "customer_users[1] (id 50000000-0000-4000-8000-000000000002)",
        "licenses[1].subscription_id",
    ),
    (
        "two licenses of one subscription",
        |d| d.customer_users[1].licenses[1].subscription_id = S1.into(),
        "customer_users[1] (id 50000000-0000-4000-8000-000000000002)",
        "licenses[1].subscription_id",
    ),
    (
        "disabled service the offer does not include",
        |d| d.customer_users[0].licenses[0].disabled_services = vec!["business_voice".into()],
        "customer_users[0] (id 50000000-0000-4000-8000-000000000001)",
        "licenses[0].disabled_services[0]",
    ),
    (
        "incident on an unknown service",
        |d| d.customers[0].service_incidents = vec!["exchnage".into()],
        "customers[0] (id 30000000-0000-4000-8000-000000000001)",
        "service_incidents[0]",
    ),
    (
        "order on a subscription of another customer",
        |d| d.orders[0].source_subscription_id = S3.into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "source_subscription_id",
    ),
    (
        "order partner not the customer's",
        |d| {
            d.orders[0].partner_id = P2.into();
            d.orders[0].submitted_by = U2.into();
        },
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "customer_id",
    ),
    (
        "order submitted by another partner's user",
        |d| d.orders[0].submitted_by = U2.into(),
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "submitted_by",
    ),
    (
        "order quantity zero",
        |d| d.orders[0].quantity = 0,
        "orders[0] (id 60000000-0000-4000-8000-000000000001)",
        "quantity",
    ),
    (
        "UPN duplicated in another case",
        |d| d.customer_users[1].upn = "ALICE@Alpha.example".into(),
        "customer_users[1] (id 50000000-0000-4000-8000-000000000002)",
        "upn",
    ),
    (
        "UPN of a partner user reused by a customer user",
        |d| d.customer_users[0].upn = "GA@contoso.example".into(),
        "customer_users[0] (id 50000000-0000-4000-8000-000000000001)",
        "upn",
    ),
    (
        "UPN without a domain",
        |d| d.partner_users[1].upn = "gus".into(),
        "partner_users[1] (id 20000000-0000-4000-8000-000000000002)",
        "upn",
    ),
    (
        "empty name",
        |d| d.partners[0].name = " ".into(),
        "partners[0] (id 10000000-0000-4000-8000-000000000001)",
        "name",
    ),
    (
        "empty display name",
        |d| d.customer_users[0].display_name = String::new(),
        "customer_users[0] (id 50000000-0000-4000-8000-000000000001)",
        "display_name",
    ),
];

#[test]
fn each_kind_of_problem_is_reported_on_its_record_and_field() {
    let catalog = catalog();
    for (what, breaker, record, field) in CASES {
        let mut ds = fixture();
        breaker(&mut ds);
        let errors = ds.validate(&catalog).expect_err(what);
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.record.as_str(), e.field.as_str()))
            .collect();
        assert_eq!(got, [(*record, *field)], "{what}: {errors:#?}");
        assert!(!errors[0].message.is_empty(), "{what}: no message");
    }
}

fn case(what: &str) -> (Breaker, &'static str, &'static str) {
    let (_, breaker, record, field) = CASES.iter().find(|c| c.0 == what).expect(what);
    (*breaker, record, field)
}

#[test]
fn a_file_with_many_problems_reports_them_all() {
    let picked = [
        "unknown channel",
        "negative assigned seats",
        "incident on an unknown service",
        "unknown partner",
        "add-on without parent",
        "disabled service the offer does not include",
        "UPN without a domain",
        "order quantity zero",
    ];
    let mut ds = fixture();
    for what in picked {
        case(what).0(&mut ds);
    }
    let errors = ds.validate(&catalog()).unwrap_err();
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.record.as_str(), e.field.as_str()))
        .collect();
    let mut expected: Vec<(&str, &str)> = picked
        .iter()
        .map(|what| {
            let (_, record, field) = case(what);
            (record, field)
        })
        .collect();
    // Reported in file order: kind by kind, record by record.
    expected.sort_by_key(|(record, _)| {
        [
            "partner_users",
            "customers",
            "subscriptions",
            "customer_users",
            "orders",
        ]
        .iter()
        .position(|kind| record.starts_with(kind))
    });
    assert_eq!(got, expected, "{errors:#?}");
}

#[test]
fn messages_say_what_is_wrong() {
    let mut ds = fixture();
    ds.subscriptions[0].channel = "RESELLER".into();
    ds.subscriptions[0].offer_id = "o365-e3".into();
    let errors = ds.validate(&catalog()).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "subscriptions[0] (id 40000000-0000-4000-8000-000000000001): channel: unknown value \
             \"RESELLER\" (allowed: THIS_PARTNER, OTHER_PARTNER, DIRECT, ENTERPRISE_AGREEMENT, OPEN)",
            "subscriptions[1] (id 40000000-0000-4000-8000-000000000002): parent_id: add-on \
             business-voice does not attach to o365-e3 (it attaches to: m365-business-basic)",
        ]
    );
}

#[test]
fn syntax_and_shape_errors_name_line_and_column() {
    let cases = [
        (
            "{\n  \"partners\": [\n    { \"id\": \"x\", \"name\": \"A\", }\n  ]\n}",
            "line 3",
        ),
        (
            "{\n  \"partners\": [{ \"id\": \"x\", \"name\": \"A\", \"colour\": \"red\" }]\n}",
            "unknown field `colour`",
        ),
        (
            "{\n  \"partners\": [{ \"id\": \"x\" }]\n}",
            "missing field `name`",
        ),
        ("{ \"customers\": [{ \"id\": 3 }] }", "invalid type"),
        ("{ \"resellers\": [] }", "unknown field `resellers`"),
    ];
    for (json, expect) in cases {
        let err = Dataset::from_json(json).unwrap_err();
        assert!(err.record.starts_with("line "), "{err}");
        assert!(err.to_string().contains(expect), "{json}: {err}");
    }
    let err = Dataset::from_json("{\n  \"partners\": [{ \"id\": \"x\" }]\n}").unwrap_err();
    assert_eq!(err.to_string(), "line 2, column 28: missing field `name`");
}
