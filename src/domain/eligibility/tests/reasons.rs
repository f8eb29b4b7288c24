//! One row per reason code of SPEC §4 (and some rows with several), each
//! asserting the exact set of codes a named target gets.

use super::*;
use ReasonCode::*;

struct Case {
    name: &'static str,
    source: &'static str,
    target: &'static str,
    setup: fn(&mut Setup),
    expect: &'static [ReasonCode],
}

const fn case(
    name: &'static str,
    source: &'static str,
    target: &'static str,
    setup: fn(&mut Setup),
    expect: &'static [ReasonCode],
) -> Case {
    Case {
        name,
        source,
        target,
        setup,
        expect,
    }
}

const BASIC: &str = "m365-business-basic";
const STANDARD: &str = "m365-business-standard";

const CASES: &[Case] = &[
    case("healthy", BASIC, STANDARD, |_| {}, &[]),
    // 1-13: about the source.
    case(
        "suspended",
        BASIC,
        STANDARD,
        |s| s.src().status = SubscriptionStatus::Suspended,
        &[SubscriptionNotActive],
    ),
    case(
        "deleted",
        BASIC,
        STANDARD,
        |s| s.src().status = SubscriptionStatus::Deleted,
        &[SubscriptionNotActive],
    ),
    case(
        "pending",
        BASIC,
        STANDARD,
        |s| s.src().status = SubscriptionStatus::Pending,
        &[SubscriptionNotActive],
    ),
    case(
        "not provisioned",
        BASIC,
        STANDARD,
        |s| s.src().provisioned = false,
        &[SubscriptionNotProvisioned],
    ),
    case(
        "incident on a service of the source",
        BASIC,
        STANDARD,
        |s| {
            s.customer().service_incidents.insert("exchange".into());
        },
        &[ServiceIncident],
    ),
    case(
        "incident on a service the source lacks",
        BASIC,
        STANDARD,
        |s| {
            s.customer().service_incidents.insert("intune".into());
        },
        &[],
    ),
    case(
        "no relationship",
        BASIC,
        STANDARD,
        |s| {
            s.customer().delegated_admin = DelegatedAdmin {
                status: RelationshipStatus::None,
                roles: BTreeSet::new(),
            };
        },
        &[DelegatedAdminMissing],
    ),
    case(
        "expired relationship",
        BASIC,
        STANDARD,
        |s| {
            s.customer().delegated_admin.status = RelationshipStatus::Expired;
        },
        &[DelegatedAdminMissing],
    ),
    case(
        "active relationship without roles",
        BASIC,
        STANDARD,
        |s| {
            s.customer().delegated_admin.roles.clear();
        },
        &[DelegatedAdminMissing],
    ),
    case(
        "more assigned than bought",
        BASIC,
        STANDARD,
        |s| s.src().assigned_seats = 12,
        &[LicenseConflict],
    ),
    case(
        "order in progress",
        BASIC,
        STANDARD,
        |s| {
            s.order(OrderState::InProgress);
        },
        &[UpgradeInProgress],
    ),
    case(
        "order waiting for a credit check",
        BASIC,
        STANDARD,
        |s| {
            s.order(OrderState::PendingCreditCheck);
        },
        &[CreditCheckPending],
    ),
    case(
        "two active plans of the source offer",
        BASIC,
        STANDARD,
        |s| {
            s.add(BASIC, Channel::ThisPartner);
        },
        &[DuplicatePlans],
    ),
    case(
        "a suspended second plan is no duplicate",
        BASIC,
        STANDARD,
        |s| {
            s.add(BASIC, Channel::ThisPartner).status = SubscriptionStatus::Suspended;
        },
        &[],
    ),
    case(
        "prepaid",
        BASIC,
        STANDARD,
        |s| s.src().payment_method = PaymentMethod::Prepaid,
        &[PrepaidSubscription],
    ),
    case(
        "nonprofit offer",
        "m365-business-premium-nonprofit",
        "o365-e5",
        |s| {
            s.customer().segment = Segment::Nonprofit;
        },
        &[RestrictedSegment],
    ),
    case(
        "government offer",
        "o365-e3-gcc",
        "o365-e5-gcc",
        |s| {
            s.customer().segment = Segment::Government;
        },
        &[RestrictedSegment],
    ),
    case(
        "unpaid balance",
        BASIC,
        STANDARD,
        |s| s.customer().unpaid_balance = true,
        &[UnpaidBalance],
    ),
    case(
        "trial",
        BASIC,
        STANDARD,
        |s| s.src().trial = true,
        &[TrialSubscription],
    ),
    case(
        "no paths out of Business Premium",
        "m365-business-premium",
        "o365-e5",
        |_| {},
        &[NoUpgradePaths, TargetNotInMatrix],
    ),
    // 14-24: about one target.
    case(
        "target not a path",
        STANDARD,
        "m365-business-premium",
        |_| {},
        &[TargetNotInMatrix],
    ),
    case(
        "India SKU for a customer outside India",
        "m365-business-basic-in",
        "m365-business-standard-in",
        |_| {},
        &[MarketMismatch],
    ),
    case(
        "India SKU to the global SKU",
        "m365-business-basic-in",
        STANDARD,
        |s| s.customer().country = "IN".into(),
        &[TargetNotInMatrix, MarketMismatch],
    ),
    case(
        "global SKU to an India SKU",
        BASIC,
        "m365-business-standard-in",
        |s| s.customer().country = "IN".into(),
        &[TargetNotInMatrix, MarketMismatch],
    ),
    case(
        "target owned through this partner",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::ThisPartner);
        },
        &[TargetAlreadyOwned],
    ),
    case(
        "suspended target still owned",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::ThisPartner).status = SubscriptionStatus::Suspended;
        },
        &[TargetAlreadyOwned],
    ),
    case(
        "deleted target not owned",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::ThisPartner).status = SubscriptionStatus::Deleted;
        },
        &[],
    ),
    case(
        "desktop apps held through this partner",
        BASIC,
        STANDARD,
        |s| {
            s.add("m365-apps-business", Channel::ThisPartner);
        },
        &[ConflictingServices],
    ),
    case(
        "services the target does not add are no conflict",
        BASIC,
        STANDARD,
        |s| {
            s.add("exchange-online-plan1", Channel::ThisPartner);
        },
        &[],
    ),
    case(
        "a lower level is no conflict",
        BASIC,
        "o365-e3",
        |s| {
            s.add("exchange-online-plan1", Channel::Direct);
        },
        &[],
    ),
    case(
        "desktop apps held directly",
        BASIC,
        STANDARD,
        |s| {
            s.add("m365-apps-business", Channel::Direct);
        },
        &[MultichannelConflict],
    ),
    case(
        "target held through another partner",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::OtherPartner);
        },
        &[MultichannelConflict],
    ),
    case(
        "conflicts in both channels",
        BASIC,
        "o365-e3",
        |s| {
            s.add("m365-apps-enterprise", Channel::ThisPartner);
            s.add("exchange-online-plan2", Channel::EnterpriseAgreement);
            s.add("o365-e3", Channel::Open);
        },
        &[ConflictingServices, MultichannelConflict],
    ),
    case(
        "E3 to E1 loses data",
        "o365-e3",
        "o365-e1",
        |_| {},
        &[TargetNotInMatrix, DataServiceDowngrade],
    ),
    case(
        "legacy E1 above the 300-user automatic limit",
        "legacy-o365-e1",
        "legacy-o365-e3",
        |s| {
            s.src().quantity = 400;
            s.src().assigned_seats = 400;
        },
        &[SeatLimitExceeded],
    ),
    case(
        "P plan above its 25 users (seed 002)",
        "legacy-o365-p",
        "legacy-o365-small-business-premium",
        |s| {
            s.src().quantity = 30;
            s.src().assigned_seats = 30;
        },
        &[SeatLimitExceeded],
    ),
    case(
        "more licensed users than seats counts too",
        "legacy-o365-p",
        "legacy-o365-e1",
        |s| {
            let id = s.source;
            s.users(id, 20);
        },
        &[SeatLimitExceeded],
    ),
    case(
        "monthly source to an annual-only target",
        "m365-apps-business",
        "m365-apps-enterprise",
        |_| {},
        &[BillingCycleUnsupported],
    ),
    case(
        "annual source to an annual-only target",
        "m365-apps-business",
        "m365-apps-enterprise",
        |s| {
            s.src().billing_cycle = BillingCycle::Annual;
        },
        &[],
    ),
    case(
        "education target for a commercial customer",
        "legacy-education-a1",
        "legacy-education-a2",
        |_| {},
        &[TargetNotAvailable],
    ),
    case(
        "education target for an education customer",
        "legacy-education-a1",
        "legacy-education-a2",
        |s| {
            s.customer().segment = Segment::Education;
        },
        &[],
    ),
    case(
        "retired target",
        "o365-e1",
        "o365-e4",
        |_| {},
        &[TargetNotInMatrix, TargetNotAvailable],
    ),
    case(
        "trial-only target",
        "o365-e1",
        "o365-e3-trial-only",
        |s| {
            s.src().billing_cycle = BillingCycle::Monthly;
        },
        &[TargetNotInMatrix, TargetNotAvailable],
    ),
    case(
        "business-only add-on to an enterprise plan",
        BASIC,
        "o365-e3",
        |s| {
            s.add_on("business-voice");
        },
        &[AddOnIncompatible],
    ),
    case(
        "included add-on is dropped, attachable one carried",
        BASIC,
        "o365-e3",
        |s| {
            s.add_on("exchange-online-archiving");
            s.add_on("o365-extra-file-storage");
        },
        &[],
    ),
    case(
        "P plan with a custom domain to Enterprise",
        "legacy-o365-p",
        "legacy-o365-e3",
        |s| {
            s.customer().custom_domain = true;
        },
        &[CustomDomainBlocksSwitch],
    ),
    case(
        "P plan with a custom domain to Small Business Premium",
        "legacy-o365-p",
        "legacy-o365-small-business-premium",
        |s| {
            s.customer().custom_domain = true;
        },
        &[],
    ),
    // Several at once: every reason, never only the first.
    case(
        "everything wrong with the source",
        BASIC,
        STANDARD,
        |s| {
            s.src().status = SubscriptionStatus::Suspended;
            s.src().payment_method = PaymentMethod::Prepaid;
            s.src().trial = true;
            s.customer().unpaid_balance = true;
            s.customer().service_incidents.insert("teams".into());
            s.order(OrderState::PendingCreditCheck);
        },
        &[
            SubscriptionNotActive,
            ServiceIncident,
            CreditCheckPending,
            PrepaidSubscription,
            UnpaidBalance,
            TrialSubscription,
        ],
    ),
    case(
        "source and target reasons together",
        "o365-e3",
        "m365-business-basic-in",
        |s| {
            s.src().assigned_seats = 11;
            s.add_on("o365-extra-file-storage");
            s.add("m365-business-basic-in", Channel::Direct);
        },
        &[
            LicenseConflict,
            TargetNotInMatrix,
            MarketMismatch,
            MultichannelConflict,
            DataServiceDowngrade,
        ],
    ),
    case(
        "target rules outside the matrix",
        "o365-e5",
        "m365-business-premium",
        |s| {
            s.src().quantity = 400;
            s.src().assigned_seats = 400;
            s.add_on("o365-extra-file-storage");
            s.add("m365-business-premium", Channel::ThisPartner);
        },
        &[
            NoUpgradePaths,
            TargetNotInMatrix,
            TargetAlreadyOwned,
            DataServiceDowngrade,
            SeatLimitExceeded,
        ],
    ),
];

#[test]
fn each_rule_gives_exactly_its_codes() {
    for c in CASES {
        let mut setup = Setup::new(c.source);
        (c.setup)(&mut setup);
        let answer = setup.check(Some(c.target));
        assert_well_formed(&answer);
        let t = &answer.targets[0];
        assert_eq!(t.reason_codes(), c.expect, "{}: {:#?}", c.name, t.reasons);
        assert_eq!(t.eligible, c.expect.is_empty(), "{}", c.name);
        let any = setup.check(None).targets.iter().any(|t| t.eligible);
        assert_eq!(setup.available().contains(&setup.source), any, "{}", c.name);
    }
}

#[test]
fn every_code_has_a_row() {
    let covered: BTreeSet<ReasonCode> = CASES
        .iter()
        .flat_map(|c| c.expect.iter().copied())
        .collect();
    for code in ReasonCode::ALL {
        assert!(covered.contains(code), "no case for {code}");
    }
}

#[test]
fn codes_match_the_proto_contract() {
    let proto = include_str!("../../../../proto/csp/v1/upgrade.proto");
    for (i, code) in ReasonCode::ALL.iter().enumerate() {
        assert!(
            proto.contains(&format!("  {code} = {};", i + 1)),
            "{code} is not number {} in upgrade.proto",
            i + 1
        );
        assert_eq!(code.is_source_level(), i < 13, "{code}");
    }
    for (i, remedy) in Remedy::ALL.iter().enumerate() {
        assert!(
            proto.contains(&format!("  {remedy} = {};", i + 1)),
            "{remedy}"
        );
    }
    assert_eq!(ReasonCode::ALL.len(), 24);
}

#[test]
fn details_name_the_facts() {
    let mut s = Setup::new(BASIC);
    s.src().assigned_seats = 12;
    let order = s.order(OrderState::InProgress);
    let other = s.add("m365-apps-business", Channel::Direct).id;
    s.customer().delegated_admin.status = RelationshipStatus::Expired;
    let t = s.target(STANDARD);
    let by_code = |code| t.reasons.iter().find(|r| r.code == code).unwrap();

    let conflict = by_code(LicenseConflict);
    assert_eq!(conflict.details["assigned_seats"], "12");
    assert_eq!(conflict.details["quantity"], "10");
    assert_eq!(conflict.remedy, Remedy::ResolveLicenseConflict);

    assert_eq!(
        by_code(UpgradeInProgress).details["order_id"],
        order.to_string()
    );
    assert_eq!(by_code(UpgradeInProgress).remedy, Remedy::Wait);

    let admin = by_code(DelegatedAdminMissing);
    assert_eq!(admin.details["relationship_status"], "EXPIRED");
    assert_eq!(admin.details["caller"], "USER");
    assert_eq!(admin.remedy, Remedy::RequestDelegatedAdmin);

    let multi = by_code(MultichannelConflict);
    assert_eq!(multi.details["channels"], "DIRECT");
    assert_eq!(multi.details["services"], "office_desktop");
    assert_eq!(
        multi.details[&format!("services.{other}")],
        "office_desktop"
    );
    assert_eq!(multi.subscriptions.len(), 1);
    assert_eq!(multi.subscriptions[0].id, other);
    assert_eq!(multi.subscriptions[0].channel, Channel::Direct);
    assert_eq!(multi.remedy, Remedy::CancelInOtherChannel);
    assert!(
        multi.message.contains("Microsoft directly"),
        "{}",
        multi.message
    );
}

#[test]
fn data_downgrade_details_per_service() {
    let s = Setup::new("o365-e3");
    let t = s.target("o365-e1");
    let r = t
        .reasons
        .iter()
        .find(|r| r.code == DataServiceDowngrade)
        .unwrap();
    assert_eq!(r.details["exchange"], "Plan 2 -> Plan 1");
    assert_eq!(r.details["sharepoint"], "Plan 2 -> Plan 1");
    assert_eq!(r.details.len(), 2);
    assert!(
        r.message.contains("Exchange Online (Plan 2 -> Plan 1)"),
        "{}",
        r.message
    );

    let s = Setup::new("m365-business-basic");
    let t = s.target("m365-apps-business");
    let r = t
        .reasons
        .iter()
        .find(|r| r.code == DataServiceDowngrade)
        .unwrap();
    assert_eq!(r.details["exchange"], "Plan 1 -> none");
    assert_eq!(r.details["sharepoint"], "Plan 1 -> none");
    assert!(!r.details.contains_key("onedrive"));
}

#[test]
fn duplicates_are_named() {
    let mut s = Setup::new(BASIC);
    let twin = s.add(BASIC, Channel::ThisPartner).id;
    s.add(BASIC, Channel::Direct);
    let answer = s.check(None);
    let dup = &answer.source_reasons[0];
    assert_eq!(dup.code, DuplicatePlans);
    let ids: Vec<SubscriptionId> = dup.subscriptions.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![s.source, twin]);
    assert_eq!(dup.remedy, Remedy::ConsolidatePlans);
    // A source reason blocks every path.
    assert_eq!(answer.targets.len(), 4);
    assert!(
        answer
            .targets
            .iter()
            .all(|t| t.reasons[0].code == DuplicatePlans)
    );
}
