//! One small bad catalog per kind of problem: the exact error, and a message
//! that names the entry to fix.

use super::*;

/// Two services, CSP offers `a`, `b`, `c`, add-on `addon` on `a`, legacy
/// offers `l1`..`l3`, and the paths `a -> b` and one-way `l1 -> l2`.
fn base() -> String {
    let mut s = String::from(
        r#"
[[service]]
id = "exchange"
name = "Exchange Online"
data_related = true
levels = ["Kiosk", "Plan 1", "Plan 2"]

[[service]]
id = "teams"
name = "Teams"
levels = ["Teams"]
"#,
    );
    for o in ["a", "b", "c"] {
        s += &offer(o, &[]);
    }
    s += &offer("addon", &[("add_on", "true"), ("bases", r#"["a"]"#)]);
    for o in ["l1", "l2", "l3"] {
        s += &offer(o, &[("catalog", r#""LEGACY_2013""#)]);
    }
    s += &path("a", &["b"], "");
    s += &path("l1", &["l2"], "max_users = 300\none_way = true\n");
    s
}

/// An `[[offer]]` table with sane defaults; `fields` override them, and an
/// empty value drops the field.
fn offer(id: &str, fields: &[(&str, &str)]) -> String {
    let quoted = format!("{id:?}");
    let defaults = [
        ("id", quoted.as_str()),
        ("name", r#""Offer""#),
        ("family", r#""f""#),
        ("catalog", r#""CSP""#),
        ("market", r#""GLOBAL""#),
        ("segment", r#""COMMERCIAL""#),
        ("services", "{ exchange = 2, teams = 1 }"),
        ("min_seats", "1"),
        ("max_seats", "300"),
        ("billing_cycles", r#"["MONTHLY"]"#),
        ("price", r#""6.00""#),
        ("currency", r#""USD""#),
    ];
    let mut out = String::from("\n[[offer]]\n");
    let overridden = |k: &str| fields.iter().find(|(f, _)| *f == k).map(|(_, v)| *v);
    for (k, v) in defaults {
        let v = overridden(k).unwrap_or(v);
        if !v.is_empty() {
            out += &format!("{k} = {v}\n");
        }
    }
    for (k, v) in fields
        .iter()
        .filter(|(k, _)| !defaults.iter().any(|(d, _)| d == k))
    {
        out += &format!("{k} = {v}\n");
    }
    out
}

fn path(from: &str, to: &[&str], rules: &str) -> String {
    format!("\n[[path]]\nfrom = {from:?}\nto = {to:?}\n{rules}")
}

fn service(id: &str, levels: &str) -> String {
    format!("\n[[service]]\nid = {id:?}\nname = \"S\"\nlevels = {levels}\n")
}

type Check = fn(&CatalogError) -> bool;

#[test]
fn the_base_fixture_is_valid() {
    let c = Catalog::from_toml_str(&base()).unwrap();
    assert_eq!(c.offers().count(), 7);
    assert!(
        c.path(
            &OfferId::parse("l1").unwrap(),
            &OfferId::parse("l2").unwrap()
        )
        .unwrap()
        .one_way
    );
}

#[test]
fn each_kind_of_problem_is_refused_with_a_message_naming_the_entry() {
    use CatalogError as E;
    let cases: Vec<(&str, String, Check, &[&str])> = vec![
        (
            "toml syntax",
            "[[offer]\nid = ".into(),
            |e| matches!(e, E::Parse(_)),
            &["line 1"],
        ),
        (
            "unknown field",
            offer("x", &[("colour", r#""red""#)]),
            |e| matches!(e, E::Parse(_)),
            &["colour"],
        ),
        (
            "unknown segment",
            offer("x", &[("segment", r#""RETAIL""#)]),
            |e| matches!(e, E::Parse(_)),
            &["RETAIL"],
        ),
        (
            "missing field",
            offer("x", &[("price", "")]),
            |e| matches!(e, E::Parse(_)),
            &["price"],
        ),
        (
            "duplicate service",
            service("teams", r#"["x"]"#),
            |e| matches!(e, E::DuplicateService { .. }),
            &["teams"],
        ),
        (
            "service without levels",
            service("fax", "[]"),
            |e| matches!(e, E::ServiceWithoutLevels { .. }),
            &["fax"],
        ),
        (
            "invalid offer id",
            offer("Bad_Id", &[]),
            |e| matches!(e, E::InvalidOfferId { .. }),
            &["Bad_Id"],
        ),
        (
            "duplicate offer",
            offer("b", &[]),
            |e| matches!(e, E::DuplicateOffer { .. }),
            &["\"b\""],
        ),
        (
            "no services",
            offer("x", &[("services", "{}")]),
            |e| matches!(e, E::OfferWithoutServices { .. }),
            &["\"x\""],
        ),
        (
            "unknown service",
            offer("x", &[("services", "{ fax = 1 }")]),
            |e| matches!(e, E::UnknownService { .. }),
            &["\"x\"", "fax"],
        ),
        (
            "level 0",
            offer("x", &[("services", "{ exchange = 0 }")]),
            |e| matches!(e, E::LevelOutOfRange { level: 0, .. }),
            &["\"x\"", "exchange"],
        ),
        (
            "level above levels",
            offer("x", &[("services", "{ exchange = 4 }")]),
            |e| {
                matches!(
                    e,
                    E::LevelOutOfRange {
                        level: 4,
                        levels: 3,
                        ..
                    }
                )
            },
            &["\"x\"", "exchange"],
        ),
        (
            "min seats 0",
            offer("x", &[("min_seats", "0")]),
            |e| matches!(e, E::InvalidSeatLimits { .. }),
            &["\"x\""],
        ),
        (
            "min above max",
            offer("x", &[("min_seats", "10"), ("max_seats", "5")]),
            |e| {
                matches!(
                    e,
                    E::InvalidSeatLimits {
                        min: 10,
                        max: 5,
                        ..
                    }
                )
            },
            &["\"x\""],
        ),
        (
            "no billing cycle",
            offer("x", &[("billing_cycles", "[]")]),
            |e| matches!(e, E::NoBillingCycles { .. }),
            &["\"x\""],
        ),
        (
            "negative price",
            offer("x", &[("price", r#""-1.00""#)]),
            |e| matches!(e, E::InvalidPrice { .. }),
            &["\"x\"", "-1.00"],
        ),
        (
            "price not decimal",
            offer("x", &[("price", r#""cheap""#)]),
            |e| matches!(e, E::InvalidPrice { .. }),
            &["\"x\"", "cheap"],
        ),
        (
            "lower-case currency",
            offer("x", &[("currency", r#""usd""#)]),
            |e| matches!(e, E::InvalidCurrency { .. }),
            &["\"x\"", "usd"],
        ),
        (
            "bad market",
            offer("x", &[("market", r#""India""#)]),
            |e| matches!(e, E::InvalidMarket { .. }),
            &["\"x\"", "India"],
        ),
        (
            "add-on without bases",
            offer("x", &[("add_on", "true")]),
            |e| matches!(e, E::AddOnWithoutBases { .. }),
            &["\"x\""],
        ),
        (
            "base offer with bases",
            offer("x", &[("bases", r#"["a"]"#)]),
            |e| matches!(e, E::BaseOfferWithBases { .. }),
            &["\"x\""],
        ),
        (
            "unknown add-on base",
            offer("x", &[("add_on", "true"), ("bases", r#"["zzz"]"#)]),
            |e| matches!(e, E::UnknownAddOnBase { .. }),
            &["\"x\"", "zzz"],
        ),
        (
            "add-on on an add-on",
            offer("x", &[("add_on", "true"), ("bases", r#"["addon"]"#)]),
            |e| matches!(e, E::AddOnBaseIsAddOn { .. }),
            &["\"x\"", "\"addon\""],
        ),
        (
            "cycle of add-ons",
            offer("x", &[("add_on", "true"), ("bases", r#"["y"]"#)])
                + &offer("y", &[("add_on", "true"), ("bases", r#"["x"]"#)]),
            |e| matches!(e, E::AddOnBaseIsAddOn { .. }),
            &["\"x\"", "\"y\"", "cycles"],
        ),
        (
            "path without targets",
            path("a", &[], ""),
            |e| matches!(e, E::PathWithoutTargets { .. }),
            &["\"a\""],
        ),
        (
            "path to unknown offer",
            path("a", &["zzz"], ""),
            |e| matches!(e, E::UnknownPathOffer { .. }),
            &["a -> zzz", "\"zzz\""],
        ),
        (
            "path from unknown offer",
            path("zzz", &["a"], ""),
            |e| matches!(e, E::UnknownPathOffer { .. }),
            &["zzz -> a", "\"zzz\""],
        ),
        (
            "path to itself",
            path("c", &["c"], ""),
            |e| matches!(e, E::PathToItself { .. }),
            &["c -> c"],
        ),
        (
            "duplicate path",
            path("a", &["c", "b"], ""),
            |e| matches!(e, E::DuplicatePath { .. }),
            &["a -> b"],
        ),
        (
            "duplicate target",
            path("c", &["b", "b"], ""),
            |e| matches!(e, E::DuplicatePath { .. }),
            &["c -> b"],
        ),
        (
            "path to add-on",
            path("c", &["addon"], ""),
            |e| matches!(e, E::PathWithAddOn { .. }),
            &["c -> addon"],
        ),
        (
            "path across catalogs",
            path("c", &["l3"], ""),
            |e| matches!(e, E::CrossCatalogPath { .. }),
            &["c -> l3", "CSP", "LEGACY_2013"],
        ),
        (
            "max_users on CSP",
            path("c", &["b"], "max_users = 300\n"),
            |e| {
                matches!(
                    e,
                    E::LegacyRuleOnCspPath {
                        rule: "max_users",
                        ..
                    }
                )
            },
            &["c -> b", "max_users"],
        ),
        (
            "custom_domain_blocks on CSP",
            path("c", &["b"], "custom_domain_blocks = true\n"),
            |e| {
                matches!(
                    e,
                    E::LegacyRuleOnCspPath {
                        rule: "custom_domain_blocks",
                        ..
                    }
                )
            },
            &["c -> b", "custom_domain_blocks"],
        ),
        (
            "one_way on CSP",
            path("c", &["b"], "one_way = true\n"),
            |e| {
                matches!(
                    e,
                    E::LegacyRuleOnCspPath {
                        rule: "one_way",
                        ..
                    }
                )
            },
            &["c -> b", "one_way"],
        ),
        (
            "max_users 0",
            path("l1", &["l3"], "max_users = 0\n"),
            |e| matches!(e, E::InvalidMaxUsers { .. }),
            &["l1 -> l3"],
        ),
        (
            "one-way with a way back",
            path("l2", &["l1"], "max_users = 300\n"),
            |e| matches!(e, E::OneWayPathReversible { .. }),
            &["l1 -> l2", "l2 -> l1"],
        ),
    ];
    for (name, extra, is_expected, named) in cases {
        // Syntax errors stand alone; everything else is added to a valid base.
        let text = if name == "toml syntax" {
            extra
        } else {
            base() + &extra
        };
        let err = match Catalog::from_toml_str(&text) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e,
        };
        assert!(is_expected(&err), "{name}: wrong error {err:?}");
        let msg = err.to_string();
        for part in named {
            assert!(
                msg.contains(part),
                "{name}: {msg:?} does not contain {part:?}"
            );
        }
    }
}

#[test]
fn the_first_problem_in_file_order_wins() {
    let text =
        base() + &offer("x", &[("currency", r#""usd""#)]) + &offer("y", &[("min_seats", "0")]);
    assert!(matches!(
        Catalog::from_toml_str(&text),
        Err(CatalogError::InvalidCurrency { offer, .. }) if offer == "x"
    ));
    // Offers are checked before the paths that refer to them, wherever written.
    let text = path("a", &["zzz"], "") + &base() + &offer("x", &[("min_seats", "0")]);
    assert!(matches!(
        Catalog::from_toml_str(&text),
        Err(CatalogError::InvalidSeatLimits { .. })
    ));
}
