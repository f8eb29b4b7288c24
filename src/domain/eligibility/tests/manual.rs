//! The manual path of SPEC §6 (seed 003): when it is offered, its numbers
//! and its steps.

use super::*;
use ReasonCode::*;

fn manual(t: &TargetEligibility) -> &ManualPath {
    t.manual_path
        .as_ref()
        .unwrap_or_else(|| panic!("a manual path for {}: {:#?}", t.target, t.reasons))
}

#[test]
fn downgrade_backs_up_first_with_the_numbers_filled_in() {
    let mut s = Setup::new("o365-e3");
    s.src().quantity = 20;
    s.src().assigned_seats = 18;
    // 10 users from the setup, 8 more: 18 licensed users.
    let id = s.source;
    s.users(id, 8);
    let t = s.target("o365-e1");
    assert_eq!(t.reason_codes(), [TargetNotInMatrix, DataServiceDowngrade]);
    let m = manual(&t);
    assert_eq!(m.licenses_to_buy, 20);
    assert_eq!(m.users_to_reassign, 18);
    assert!(m.backup_data_first);
    assert!(!m.one_way);
    assert_eq!(
        steps(m),
        [
            "Back up the data in Exchange Online and SharePoint Online first: Office 365 E1 lacks or lowers them.",
            "Buy 20 licenses of Office 365 E1 for the same organisation (Contoso).",
            "Check that both the Office 365 E3 and the Office 365 E1 subscriptions are listed and active.",
            "Reassign the licenses of the 18 users of Office 365 E3 to Office 365 E1 (all of them, or only some).",
            "Cancel the Office 365 E3 subscription, or remove its unused licenses if only some users moved.",
        ]
    );
    // The same steps as a Dutch partner reads them (SPEC §12).
    let dutch: Vec<String> = m
        .steps
        .iter()
        .map(|t| crate::i18n::Lang::Nl.render(t))
        .collect();
    assert_eq!(
        dutch,
        [
            "Maak eerst een back-up van de gegevens in Exchange Online en SharePoint Online: Office 365 E1 mist deze services of heeft er een lagere versie van.",
            "Koop 20 licenties van Office 365 E1 voor dezelfde organisatie (Contoso).",
            "Controleer of zowel het abonnement op Office 365 E3 als het abonnement op Office 365 E1 in de lijst staat en actief is.",
            "Wijs de licenties van de 18 gebruikers van Office 365 E3 opnieuw toe aan Office 365 E1 (allemaal of slechts een deel).",
            "Annuleer het abonnement op Office 365 E3, of verwijder de ongebruikte licenties als maar een deel van de gebruikers is overgezet.",
        ]
    );
}

#[test]
fn legacy_family_switch_with_a_custom_domain() {
    let mut s = Setup::new("legacy-o365-p");
    s.customer().custom_domain = true;
    let t = s.target("legacy-o365-e3");
    assert_eq!(t.reason_codes(), [CustomDomainBlocksSwitch]);
    let m = manual(&t);
    assert!(m.one_way);
    assert!(
        m.backup_data_first,
        "a one-way switch backs up first (seed 002)"
    );
    assert!(steps(m)[0].contains("cannot be undone"), "{}", steps(m)[0]);
    assert!(steps(m)[1].contains("custom domain"), "{}", steps(m)[1]);
    assert_eq!(m.licenses_to_buy, 10);
    assert_eq!(steps(m).len(), 6);
}

#[test]
fn an_owned_target_is_topped_up_instead_of_bought() {
    let mut s = Setup::new("m365-business-basic");
    let existing = s.add("m365-business-standard", Channel::ThisPartner);
    existing.quantity = 15;
    existing.assigned_seats = 8;
    let existing = existing.id;
    let t = s.target("m365-business-standard");
    assert_eq!(t.reason_codes(), [TargetAlreadyOwned]);
    let m = manual(&t);
    assert_eq!(m.licenses_to_buy, 3, "10 needed, 7 free");
    assert!(
        steps(m)[0].contains(&existing.to_string()),
        "{}",
        steps(m)[0]
    );
}

#[test]
fn conflicts_elsewhere_are_cancelled_first() {
    let mut s = Setup::new("m365-business-basic");
    let direct = s.add("m365-apps-business", Channel::Direct).id;
    let t = s.target("m365-business-standard");
    let m = manual(&t);
    assert!(
        steps(m)[0].starts_with("Have the customer cancel"),
        "{}",
        steps(m)[0]
    );
    assert!(steps(m)[0].contains(&direct.to_string()));
    assert!(steps(m)[0].contains("Microsoft directly"));
}

#[test]
fn incompatible_add_ons_are_mentioned() {
    let mut s = Setup::new("m365-business-basic");
    s.add_on("business-voice");
    let m = manual(&s.target("o365-e3")).clone();
    assert!(
        steps(&m)
            .iter()
            .any(|s| s.contains("Microsoft 365 Business Voice")),
        "{:#?}",
        steps(&m)
    );
}

#[test]
fn when_a_manual_change_is_impossible_too() {
    type Tweak = fn(&mut Setup);
    let blocked: &[(&str, &str, &str, Tweak)] = &[
        ("suspended", "m365-business-basic", "o365-e3", |s| {
            s.src().status = SubscriptionStatus::Suspended
        }),
        ("not provisioned", "m365-business-basic", "o365-e3", |s| {
            s.src().provisioned = false
        }),
        ("in progress", "m365-business-basic", "o365-e3", |s| {
            s.order(OrderState::InProgress);
        }),
        ("credit check", "m365-business-basic", "o365-e3", |s| {
            s.order(OrderState::PendingCreditCheck);
        }),
        ("unpaid", "m365-business-basic", "o365-e3", |s| {
            s.customer().unpaid_balance = true
        }),
        (
            "market",
            "m365-business-basic-in",
            "m365-business-standard-in",
            |_| {},
        ),
        ("retired", "o365-e1", "o365-e4", |_| {}),
        (
            "segment",
            "legacy-education-a1",
            "legacy-education-a2",
            |_| {},
        ),
        (
            "too many users for the target",
            "o365-e3",
            "m365-business-premium",
            |s| {
                s.src().quantity = 301;
            },
        ),
        ("same offer", "o365-e3", "o365-e3", |_| {}),
    ];
    for (name, source, target, tweak) in blocked {
        let mut s = Setup::new(source);
        tweak(&mut s);
        let t = s.target(target);
        assert!(!t.eligible, "{name}");
        assert_eq!(t.manual_path, None, "{name}: {:#?}", t.reasons);
    }
}

#[test]
fn when_only_a_manual_change_is_possible() {
    type Tweak = fn(&mut Setup);
    let manual_ok: &[(&str, &str, &str, Tweak)] = &[
        ("prepaid", "m365-business-basic", "o365-e3", |s| {
            s.src().payment_method = PaymentMethod::Prepaid
        }),
        (
            "nonprofit",
            "m365-business-premium-nonprofit",
            "o365-e5",
            |s| s.customer().segment = Segment::Nonprofit,
        ),
        ("no path", "m365-business-premium", "o365-e5", |_| {}),
        ("duplicates", "m365-business-basic", "o365-e3", |s| {
            s.add("m365-business-basic", Channel::ThisPartner);
        }),
        ("license conflict", "m365-business-basic", "o365-e3", |s| {
            s.src().assigned_seats = 14
        }),
        ("incident", "m365-business-basic", "o365-e3", |s| {
            s.customer().service_incidents.insert("sharepoint".into());
        }),
        ("trial", "m365-business-basic", "o365-e3", |s| {
            s.src().trial = true
        }),
        ("no relationship", "m365-business-basic", "o365-e3", |s| {
            s.customer().delegated_admin.status = RelationshipStatus::None;
        }),
        (
            "above the automatic limit",
            "legacy-o365-e1",
            "legacy-o365-e3",
            |s| s.src().quantity = 400,
        ),
        ("add-on", "m365-business-basic", "o365-e3", |s| {
            s.add_on("business-voice");
        }),
        (
            "billing cycle",
            "m365-apps-business",
            "m365-apps-enterprise",
            |_| {},
        ),
    ];
    for (name, source, target, tweak) in manual_ok {
        let mut s = Setup::new(source);
        tweak(&mut s);
        let t = s.target(target);
        assert!(!t.eligible, "{name}");
        let m = manual(&t);
        assert!(m.licenses_to_buy >= 10, "{name}");
        assert_eq!(m.licenses_to_buy, t.min_quantity, "{name}");
        // 10 licensed users, or the assigned seats when more (SPEC §6).
        let assigned = s.src().assigned_seats;
        assert_eq!(m.users_to_reassign, assigned.max(10), "{name}");
    }
}

/// Issue 14: the user records in the data may be fewer than the seats
/// assigned (an import without users); the licenses of every assigned seat
/// must still be reassigned, and the step says where the number comes from.
#[test]
fn users_to_reassign_counts_assigned_seats_when_records_are_fewer() {
    let mut s = Setup::new("m365-business-basic");
    s.snapshot.users.clear();
    s.src().quantity = 300;
    s.src().assigned_seats = 301;
    let t = s.target("o365-e3");
    assert_eq!(t.reason_codes(), [LicenseConflict]);
    let m = manual(&t);
    assert_eq!(m.users_to_reassign, 301);
    assert_eq!(m.licenses_to_buy, 301);
    let said = steps(m);
    let step = said
        .iter()
        .find(|s| s.starts_with("Reassign"))
        .expect("a reassign step");
    assert_eq!(
        step,
        "Reassign the licenses of the 301 users of Microsoft 365 Business Basic to Office 365 E3 \
         (all of them, or only some): 301 seats are assigned, but user records exist for only 0 of them."
    );
    assert!(
        !steps(m).iter().any(|s| s.contains(" 0 users")),
        "{:#?}",
        steps(m)
    );
}
