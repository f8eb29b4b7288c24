//! The matrices of seed 004 and seed 002 as the rules see them, the India
//! footnote, add-ons, quantities and the error cases.

use super::*;
use ReasonCode::*;

fn ids(list: &[SubscriptionRef]) -> Vec<SubscriptionId> {
    list.iter().map(|r| r.id).collect()
}

/// Seed 004's table, its India footnote, and E1/E3/E4 (seed 001).
const CSP_MATRIX: &[(&str, &[&str])] = &[
    (
        "m365-apps-business",
        &[
            "m365-apps-enterprise",
            "m365-business-premium",
            "o365-e3",
            "o365-e5",
        ],
    ),
    ("m365-business-standard", &["o365-e3", "o365-e5"]),
    (
        "m365-business-basic",
        &["m365-business-standard", "o365-e1", "o365-e3", "o365-e5"],
    ),
    ("m365-apps-business-in", &["m365-business-standard-in"]),
    ("m365-business-basic-in", &["m365-business-standard-in"]),
    ("o365-e1", &["o365-e3", "o365-e5"]),
    ("o365-e3", &["o365-e5"]),
    ("o365-e4", &["o365-e3", "o365-e5"]),
];

#[test]
fn every_csp_path_is_eligible_for_a_healthy_customer() {
    for (source, targets) in CSP_MATRIX {
        let mut s = Setup::new(source);
        // Apps for enterprise is sold annually only.
        s.src().billing_cycle = BillingCycle::Annual;
        if source.ends_with("-in") {
            s.customer().country = "IN".into();
        }
        let answer = s.check(None);
        assert_well_formed(&answer);
        let listed: Vec<&str> = answer.targets.iter().map(|t| t.target.as_str()).collect();
        assert_eq!(&listed, targets, "{source}: targets in catalog path order");
        for t in &answer.targets {
            assert!(t.eligible, "{source} -> {}: {:#?}", t.target, t.reasons);
            assert!(t.in_matrix);
            assert_eq!(
                t.upgrade_types,
                [UpgradeType::WithLicenseTransfer, UpgradeType::UpgradeOnly]
            );
            assert_eq!(t.min_quantity, 10);
            assert_eq!(t.manual_path, None);
        }
        assert!(s.available().contains(&s.source), "{source}");
    }
}

#[test]
fn every_legacy_path_is_eligible_for_a_healthy_customer() {
    let sources: BTreeSet<&OfferId> = CATALOG
        .offers()
        .filter(|o| o.catalog == CatalogKind::Legacy2013)
        .map(|o| &o.id)
        .collect();
    let mut checked = 0;
    for source in sources {
        let mut s = Setup::new(source.as_str());
        if CATALOG.offer(source).unwrap().segment == Segment::Education {
            s.customer().segment = Segment::Education;
        }
        let answer = s.check(None);
        assert_well_formed(&answer);
        for t in &answer.targets {
            assert!(t.eligible, "{source} -> {}: {:#?}", t.target, t.reasons);
            // The wizard's 300 users, the P plan's 25 (seed 002).
            let limit = if source.as_str() == "legacy-o365-p" {
                25
            } else {
                300
            };
            assert_eq!(
                t.max_quantity,
                limit.min(CATALOG.offer(&t.target).unwrap().max_seats)
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} legacy paths");
}

#[test]
fn india_footnote_both_ways() {
    // An Indian customer: India SKUs go to Business Standard India only.
    for source in ["m365-business-basic-in", "m365-apps-business-in"] {
        let mut s = Setup::new(source);
        s.customer().country = "IN".into();
        assert!(s.target("m365-business-standard-in").eligible, "{source}");
        let global = s.target("m365-business-standard");
        assert_eq!(
            global.reason_codes(),
            [TargetNotInMatrix, MarketMismatch],
            "{source}"
        );
        let r = &global.reasons[1];
        assert_eq!(
            r.details,
            Details::Market {
                source: "IN".into(),
                target: "GLOBAL".into(),
                customer_country: "IN".into(),
            }
        );
        assert_eq!(
            global.manual_path, None,
            "another market cannot be bought by hand either"
        );
    }
    // A customer outside India holding an India SKU: every target mismatches.
    let s = Setup::new("m365-business-basic-in");
    let answer = s.check(None);
    assert!(!answer.targets.is_empty());
    for t in &answer.targets {
        assert!(t.reason_codes().contains(&MarketMismatch), "{}", t.target);
        assert_eq!(t.reasons.last().unwrap().remedy, Remedy::ContactSupport);
    }
    assert!(s.available().is_empty());
    // A global customer cannot be moved onto an India SKU.
    let s = Setup::new("m365-business-basic");
    assert!(
        s.target("m365-business-standard-in")
            .reason_codes()
            .contains(&MarketMismatch)
    );
}

#[test]
fn add_ons_are_dropped_carried_or_blocking() {
    let mut s = Setup::new("m365-business-basic");
    let archiving = s.add_on("exchange-online-archiving");
    let audio = s.add_on("audio-conferencing");
    let storage = s.add_on("o365-extra-file-storage");
    let voice = s.add_on("business-voice");
    let cancelled = s.add_on("business-voice");
    s.sub(cancelled).status = SubscriptionStatus::Deleted;

    let e5 = s.target("o365-e5");
    assert_eq!(ids(&e5.dropped_add_ons), [archiving, audio]);
    assert_eq!(ids(&e5.carried_add_ons), [storage]);
    assert_eq!(e5.reason_codes(), [AddOnIncompatible]);
    assert_eq!(ids(&e5.reasons[0].subscriptions), [voice]);
    assert_eq!(e5.reasons[0].remedy, Remedy::RemoveAddOn);
    assert_eq!(
        e5.reasons[0].details,
        Details::AddOns(vec![offer("business-voice")])
    );

    let standard = s.target("m365-business-standard");
    assert!(standard.eligible, "{:#?}", standard.reasons);
    assert!(standard.dropped_add_ons.is_empty());
    assert_eq!(
        ids(&standard.carried_add_ons),
        [archiving, audio, storage, voice]
    );
}

#[test]
fn quantities() {
    let mut s = Setup::new("m365-business-basic");
    s.src().quantity = 40;
    s.src().assigned_seats = 35;
    let t = s.target("m365-business-standard");
    assert_eq!((t.min_quantity, t.max_quantity), (40, 300));
    let t = s.target("o365-e3");
    assert_eq!((t.min_quantity, t.max_quantity), (40, 10000));

    let mut s = Setup::new("legacy-o365-e1");
    s.src().quantity = 5;
    s.src().assigned_seats = 5;
    let id = s.source;
    s.users(id, 2); // 12 licensed users
    let t = s.target("legacy-o365-e3");
    assert_eq!((t.min_quantity, t.max_quantity), (12, 300));
}

#[test]
fn no_paths_and_no_target_named() {
    let s = Setup::new("m365-business-premium");
    let answer = s.check(None);
    assert!(answer.targets.is_empty());
    let codes: Vec<ReasonCode> = answer.source_reasons.iter().map(|r| r.code).collect();
    assert_eq!(codes, [NoUpgradePaths]);
    assert!(s.available().is_empty());

    // An add-on has no paths of its own.
    let mut s = Setup::new("m365-business-basic");
    s.source = s.add_on("audio-conferencing");
    let codes: Vec<ReasonCode> = s
        .check(None)
        .source_reasons
        .iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(codes, [NoUpgradePaths]);
}

#[test]
fn a_source_bought_elsewhere_is_not_this_partners_to_upgrade() {
    let mut s = Setup::new("m365-business-basic");
    s.src().channel = Channel::Direct;
    let answer = s.check(None);
    assert_well_formed(&answer);
    assert_eq!(answer.source_reasons.len(), 1);
    let r = &answer.source_reasons[0];
    assert_eq!(r.code, MultichannelConflict);
    assert_eq!(r.details, Details::Channel(Channel::Direct));
    assert_eq!(r.remedy, Remedy::ChangePlanManually);
    assert!(answer.targets.iter().all(|t| !t.eligible));
    let manual = answer.targets[0]
        .manual_path
        .as_ref()
        .expect("buy here, cancel there");
    assert!(steps(manual).last().unwrap().contains("Microsoft directly"));
    assert!(s.available().is_empty());
}

#[test]
fn errors() {
    let s = Setup::new("m365-business-basic");
    let missing = SubscriptionId(Uuid::from_u128(999_999));
    assert_eq!(
        check(&CATALOG, &s.snapshot, &s.caller, now(), missing, None),
        Err(EligibilityError::SubscriptionNotFound(missing))
    );
    let unknown = offer("no-such-offer");
    assert_eq!(
        check(
            &CATALOG,
            &s.snapshot,
            &s.caller,
            now(),
            s.source,
            Some(&unknown)
        ),
        Err(EligibilityError::UnknownTargetOffer(unknown))
    );
    let mut s = Setup::new("m365-business-basic");
    s.src().offer_id = offer("gone-from-catalog");
    assert!(matches!(
        check(&CATALOG, &s.snapshot, &s.caller, now(), s.source, None),
        Err(EligibilityError::SourceOfferNotInCatalog { .. })
    ));
    assert!(s.available().is_empty());
}

#[test]
fn orders_of_other_states_do_not_block() {
    let mut s = Setup::new("m365-business-basic");
    s.order(OrderState::Completed);
    s.order(OrderState::Failed);
    assert!(s.target("o365-e3").eligible);
}

#[test]
fn the_hint_marks_each_subscription_of_a_list() {
    let mut s = Setup::new("m365-business-basic");
    let e3 = s.add("o365-e3", Channel::ThisPartner).id;
    let suspended = s.add("m365-apps-business", Channel::ThisPartner);
    suspended.status = SubscriptionStatus::Suspended;
    let suspended = suspended.id;
    let premium = s.add("m365-business-premium", Channel::ThisPartner).id;
    let direct = s.add("exchange-online-plan1", Channel::Direct).id;
    let hint = s.available();
    // Basic -> E3 is owned and Standard, E5 conflict with E3, but E1 stays open.
    assert!(hint.contains(&s.source));
    assert!(hint.contains(&e3));
    assert!(!hint.contains(&suspended));
    assert!(!hint.contains(&premium));
    assert!(!hint.contains(&direct));
}
