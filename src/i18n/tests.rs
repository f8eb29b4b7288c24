//! The catalogs agree between languages, every message the service can say
//! renders in each, and `accept-language` picks the language RFC 4647's way.

use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::FluentResource;
use fluent_syntax::ast;
use uuid::Uuid;

use super::*;
use crate::domain::catalog::Catalog;
use crate::domain::dataset::Dataset;
use crate::domain::eligibility::{self, Remedy};
use crate::domain::ids::{PartnerUserId, SubscriptionId};
use crate::domain::model::*;
use crate::domain::orders::report::migration_report;
use crate::domain::roles::{Caller, Permission, Principal};

/// Message id -> the variables it uses, for one file of one language.
fn messages(lang: Lang, file: usize) -> BTreeMap<String, BTreeSet<String>> {
    let source = sources(lang)[file].to_owned();
    let resource = FluentResource::try_new(source)
        .unwrap_or_else(|(_, e)| panic!("{}/{}: {e:?}", lang.tag(), FILES[file]));
    let mut out = BTreeMap::new();
    for entry in resource.entries() {
        match entry {
            ast::Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut vars);
                }
                assert!(m.attributes.is_empty(), "{}: no attributes", m.id.name);
                let new = out.insert(m.id.name.to_owned(), vars).is_none();
                assert!(new, "{}/{}: {} twice", lang.tag(), FILES[file], m.id.name);
            }
            ast::Entry::Term(t) => panic!("{}: terms are not used", t.id.name),
            ast::Entry::Junk { content } => panic!("{}: junk {content:?}", lang.tag()),
            _ => {}
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &p.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Inline(i) => inline_vars(i, vars),
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
        }
        _ => {}
    }
}

#[test]
fn every_message_exists_in_both_languages_with_the_same_placeables() {
    let mut problems = Vec::new();
    for (file, name) in FILES.iter().enumerate() {
        let en = messages(Lang::En, file);
        let nl = messages(Lang::Nl, file);
        for (id, vars) in &en {
            match nl.get(id) {
                None => problems.push(format!("{name}: {id} has no Dutch")),
                Some(nl_vars) if nl_vars != vars => problems.push(format!(
                    "{name}: {id} uses {vars:?} in English, {nl_vars:?} in Dutch"
                )),
                Some(_) => {}
            }
        }
        for id in nl.keys().filter(|id| !en.contains_key(*id)) {
            problems.push(format!("{name}: {id} has no English"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_value_of_a_closed_set_has_its_message() {
    let mut named: Vec<Text> = Vec::new();
    named.extend(
        Channel::ALL
            .iter()
            .map(|c| Text::named("channel", c.as_str())),
    );
    named.extend(
        SubscriptionStatus::ALL
            .iter()
            .map(|s| Text::named("status", s.as_str())),
    );
    named.extend(
        Segment::ALL
            .iter()
            .map(|s| Text::named("segment", s.as_str())),
    );
    named.extend(
        BillingCycle::ALL
            .iter()
            .map(|c| Text::named("cycle", c.as_str())),
    );
    named.extend(
        UpgradeType::ALL
            .iter()
            .map(|t| Text::named("upgrade-type", t.as_str())),
    );
    named.extend(
        OrderState::ALL
            .iter()
            .map(|s| Text::named("order-state", s.as_str())),
    );
    named.extend(Remedy::ALL.iter().map(|r| r.description()));
    named.extend(
        Permission::ALL
            .iter()
            .map(|p| Text::named("permission", p.as_str())),
    );
    // The kinds `ApiError::not_found` is called with.
    for kind in [
        "customer",
        "subscription",
        "order",
        "offer",
        "partner-user",
        "user",
        "partner",
        "record",
    ] {
        named.push(Text::named("resource", kind));
    }
    for lang in Lang::ALL {
        for t in &named {
            let said = lang.try_render(t).unwrap_or_else(|e| panic!("{e}"));
            assert!(!said.is_empty(), "{}", t.id);
        }
    }
}

#[test]
fn accept_language_lookup() {
    let table: &[(Option<&str>, Lang)] = &[
        (None, Lang::En),
        (Some(""), Lang::En),
        (Some("nl"), Lang::Nl),
        (Some("nl-NL"), Lang::Nl),
        (Some("nl-BE"), Lang::Nl),
        (Some("NL-nl"), Lang::Nl),
        (Some("en"), Lang::En),
        (Some("en-US"), Lang::En),
        (Some("fr-FR"), Lang::En),
        (Some("de-DE,de;q=0.9,nl;q=0.8,en;q=0.7"), Lang::Nl),
        (Some("en-GB, nl"), Lang::En),
        (Some("en;q=0.5, nl-NL"), Lang::Nl),
        (Some("nl;q=0, en"), Lang::En),
        (Some("nl;q=0"), Lang::En),
        (Some("*"), Lang::En),
        (Some("not a tag, nl-BE;q=0.3"), Lang::Nl),
        (Some(";;;,,,"), Lang::En),
    ];
    for (header, lang) in table {
        assert_eq!(Lang::negotiate(*header), *lang, "{header:?}");
    }
}

#[test]
fn lists_and_plurals_follow_the_language() {
    let t = Text::new("reason-service-incident")
        .arg("offer", "Microsoft 365 Business Basic")
        .arg(
            "services",
            vec!["Exchange Online", "SharePoint Online", "Microsoft Teams"],
        );
    assert_eq!(
        Lang::En.render(&t),
        "The Microsoft 365 Business Basic subscription has a health incident in Exchange Online, \
         SharePoint Online and Microsoft Teams at this customer; wait until every service is healthy."
    );
    assert_eq!(
        Lang::Nl.render(&t),
        "Er is bij deze klant een storing in Exchange Online, SharePoint Online en Microsoft Teams \
         van het abonnement Microsoft 365 Business Basic; wacht tot alle services weer in orde zijn."
    );
    let one = Text::new("reason-upgrade-in-progress")
        .arg("count", 1_usize)
        .arg("orders", vec!["o-1"]);
    let two = Text::new("reason-upgrade-in-progress")
        .arg("count", 2_usize)
        .arg("orders", vec!["o-1", "o-2"]);
    assert!(
        Lang::Nl
            .render(&one)
            .starts_with("Bestelling o-1 van deze klant wordt verwerkt")
    );
    assert!(
        Lang::Nl
            .render(&two)
            .starts_with("Bestellingen o-1 en o-2 van deze klant worden verwerkt")
    );
    // Values are plain text: no Unicode isolation marks around them.
    assert!(!Lang::En.render(&one).contains('\u{2068}'));
}

#[test]
fn a_missing_message_falls_back_to_english_then_to_its_id() {
    assert_eq!(
        Lang::Nl.render(&Text::new("no-such-message")),
        "no-such-message"
    );
    assert!(Lang::Nl.try_render(&Text::new("no-such-message")).is_err());
    assert!(
        Lang::En
            .try_render(&Text::new("reason-trial-subscription"))
            .is_err(),
        "an argument missing is an error the tests see"
    );
}

fn caller(partner: crate::domain::ids::PartnerId) -> Caller {
    Caller {
        partner_id: partner,
        principal: Principal::User {
            id: PartnerUserId(Uuid::from_u128(9)),
            upn: "agent@partner.example".into(),
            display_name: "Agent".into(),
        },
        roles: [Role::AdminAgent].into(),
    }
}

/// Every subscription of the demo data against every offer of the catalog:
/// each reason, remedy, manual step and migration-report line renders in
/// every language without a missing message or argument.
#[test]
fn everything_the_demo_data_produces_renders_in_both_languages() {
    let catalog = Catalog::builtin().unwrap();
    let data = Dataset::from_json(include_str!("../../demo/dataset.json"))
        .unwrap()
        .validate(&catalog)
        .unwrap();
    let now = chrono::Utc::now();
    let mut texts: Vec<Text> = Vec::new();
    let mut ids = BTreeSet::new();
    for customer in &data.customers {
        let snapshot = CustomerSnapshot {
            customer: customer.clone(),
            subscriptions: data
                .subscriptions
                .iter()
                .filter(|s| s.customer_id == customer.id)
                .cloned()
                .collect(),
            users: data
                .customer_users
                .iter()
                .filter(|u| u.customer_id == customer.id)
                .cloned()
                .collect(),
            open_orders: data
                .orders
                .iter()
                .map(|o| o.summary.clone())
                .filter(|o| o.customer_id == customer.id && o.state.is_open())
                .collect(),
        };
        let caller = caller(customer.partner_id);
        let subs: Vec<SubscriptionId> = snapshot.subscriptions.iter().map(|s| s.id).collect();
        for sub in subs {
            for offer in catalog.offers() {
                let answer =
                    eligibility::check(&catalog, &snapshot, &caller, now, sub, Some(&offer.id))
                        .unwrap();
                for t in answer.targets {
                    for r in t.reasons {
                        texts.push(r.remedy.description());
                        texts.push(r.message);
                    }
                    texts.extend(t.manual_path.into_iter().flat_map(|m| m.steps));
                }
                let source = snapshot.subscriptions.iter().find(|s| s.id == sub).unwrap();
                for kind in UpgradeType::ALL {
                    let report = migration_report(&catalog, &snapshot, source, offer, *kind);
                    texts.extend(report.into_iter().map(|i| i.remedy));
                }
            }
        }
    }
    for t in &texts {
        ids.insert(t.id.to_string());
        for lang in Lang::ALL {
            let said = lang.try_render(t).unwrap_or_else(|e| panic!("{e}"));
            assert!(!said.contains('{') && !said.contains('$'), "{said}");
        }
    }
    // The demo data reaches most of the catalog's sentences.
    assert!(ids.len() > 45, "{} distinct messages: {ids:?}", ids.len());
}
