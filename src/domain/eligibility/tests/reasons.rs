//! One row per reason code of SPEC §4 (and some rows with several), each
//! asserting the exact set of codes a named target gets.

use super::source_cases::SOURCE_CASES;
use super::target_cases::TARGET_CASES;
use super::*;
use ReasonCode::*;

pub(super) struct Case {
    name: &'static str,
    source: &'static str,
    target: &'static str,
    setup: fn(&mut Setup),
    expect: &'static [ReasonCode],
}

pub(super) const fn case(
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

pub(super) const BASIC: &str = "m365-business-basic";
pub(super) const STANDARD: &str = "m365-business-standard";

/// Every row is checked before the test fails, so a change of rules shows
/// all the rows it moves at once.
#[test]
fn each_rule_gives_exactly_its_codes() {
    let mut wrong = Vec::new();
    for c in SOURCE_CASES.iter().chain(TARGET_CASES) {
        let mut setup = Setup::new(c.source);
        (c.setup)(&mut setup);
        let answer = setup.check(Some(c.target));
        assert_well_formed(&answer);
        let t = &answer.targets[0];
        if t.reason_codes() != c.expect {
            wrong.push(format!(
                "{}: expected {:?}, got {:?}",
                c.name,
                c.expect,
                t.reason_codes()
            ));
        }
        assert_eq!(t.eligible, t.reasons.is_empty(), "{}", c.name);
        let any = setup.check(None).targets.iter().any(|t| t.eligible);
        assert_eq!(setup.available().contains(&setup.source), any, "{}", c.name);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_code_has_a_row() {
    let covered: BTreeSet<ReasonCode> = SOURCE_CASES
        .iter()
        .chain(TARGET_CASES)
        .flat_map(|c| c.expect.iter().copied())
        .collect();
    for code in ReasonCode::ALL {
        assert!(covered.contains(code), "no case for {code}");
    }
}

#[test]
fn codes_match_the_proto_contract() {
    let proto = include_str!("../../../../proto/csp/v1/reason.proto");
    for (i, code) in ReasonCode::ALL.iter().enumerate() {
        assert!(
            proto.contains(&format!("  REASON_CODE_{code} = {};", i + 1)),
            "{code} is not number {} in reason.proto",
            i + 1
        );
        assert_eq!(code.is_source_level(), i < 13, "{code}");
    }
    for (i, remedy) in Remedy::ALL.iter().enumerate() {
        assert!(
            proto.contains(&format!("  REMEDY_{remedy} = {};", i + 1)),
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
    assert_eq!(
        conflict.details,
        Details::LicenseConflict {
            quantity: 10,
            assigned_seats: 12
        }
    );
    assert_eq!(conflict.remedy, Remedy::ResolveLicenseConflict);

    assert_eq!(
        by_code(UpgradeInProgress).details,
        Details::OpenOrders(vec![order])
    );
    assert_eq!(by_code(UpgradeInProgress).remedy, Remedy::Wait);

    let admin = by_code(DelegatedAdminMissing);
    assert_eq!(
        admin.details,
        Details::DelegatedAdmin {
            status: RelationshipStatus::Expired,
            roles: vec![DelegatedRole::DirectoryReader, DelegatedRole::LicenseAdmin],
            user_context: true,
        }
    );
    assert_eq!(admin.remedy, Remedy::RequestDelegatedAdmin);

    let multi = by_code(MultichannelConflict);
    assert_eq!(
        multi.details,
        Details::ServiceConflict {
            services: vec!["office_desktop".into()],
            holders: vec![(other, vec!["office_desktop".into()])],
            channels: vec![Channel::Direct],
            target_owned: false,
        }
    );
    assert_eq!(multi.subscriptions.len(), 1);
    assert_eq!(multi.subscriptions[0].id, other);
    assert_eq!(multi.subscriptions[0].channel, Channel::Direct);
    assert_eq!(multi.remedy, Remedy::CancelInOtherChannel);
    let message = en(&multi.message);
    assert!(message.contains("Microsoft directly"), "{message}");
}

/// Service, levels and "from -> to" names of a data downgrade's details.
fn lowered(d: &Details) -> Vec<(&str, u8, Option<u8>, String)> {
    let Details::DataServices(changes) = d else {
        panic!("not a data downgrade: {d:?}");
    };
    changes
        .iter()
        .map(|c| {
            let to = c.to.as_ref();
            (
                c.service_id.as_str(),
                c.from_level,
                to.map(|t| t.0),
                format!("{} -> {}", c.from_name, to.map_or("none", |t| t.1.as_str())),
            )
        })
        .collect()
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
    assert_eq!(
        lowered(&r.details),
        [
            ("exchange", 3, Some(2), "Plan 2 -> Plan 1".to_owned()),
            ("sharepoint", 2, Some(1), "Plan 2 -> Plan 1".to_owned())
        ]
    );
    let message = en(&r.message);
    assert!(
        message.contains("Exchange Online (Plan 2 -> Plan 1)"),
        "{message}"
    );

    let s = Setup::new("m365-business-basic");
    let t = s.target("m365-apps-business");
    let r = t
        .reasons
        .iter()
        .find(|r| r.code == DataServiceDowngrade)
        .unwrap();
    assert_eq!(
        lowered(&r.details),
        [
            ("exchange", 2, None, "Plan 1 -> none".to_owned()),
            ("sharepoint", 1, None, "Plan 1 -> none".to_owned())
        ]
    );
    assert!(!r.details.lowers_service("onedrive"));
}

#[test]
fn duplicates_are_named() {
    let mut s = Setup::new(BASIC);
    let twin = s.add(BASIC, Channel::ThisPartner).id;
    let direct = s.add(BASIC, Channel::Direct).id;
    s.add(BASIC, Channel::Open).status = SubscriptionStatus::Suspended;
    let answer = s.check(None);
    let dup = &answer.source_reasons[0];
    assert_eq!(dup.code, DuplicatePlans);
    // Every active plan of the offer, whatever its channel (SPEC §4.8).
    let named: Vec<(SubscriptionId, Channel)> = dup
        .subscriptions
        .iter()
        .map(|r| (r.id, r.channel))
        .collect();
    assert_eq!(
        named,
        vec![
            (s.source, Channel::ThisPartner),
            (twin, Channel::ThisPartner),
            (direct, Channel::Direct)
        ]
    );
    assert_eq!(
        dup.details,
        Details::None,
        "the count is the subscriptions named"
    );
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
