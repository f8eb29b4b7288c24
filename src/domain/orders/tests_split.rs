//! Partial upgrades and upgrades into an existing subscription (SPEC §8) on
//! the demo customers: what moves, what stays, and every refusal.

use rust_decimal::Decimal;

use super::tests::{NORTHWIND, NORTHWIND_BASIC, demo, ids, now};
use super::tests::{TRANSFER, request, snapshot, user};
use super::*;
use crate::domain::eligibility::{ReasonCode, ReceiverProblem};
use crate::domain::ids::*;
use crate::domain::model::*;

const CONTOSO: &str = "30000000-0000-4000-8000-000000000003";
const CONTOSO_E3: &str = "40000000-0000-4000-8000-000000000302";
const CONTOSO_BASIC: &str = "40000000-0000-4000-8000-000000000303";
const ALICE: &str = "50000000-0000-4000-8000-000000000101";
const BOB: &str = "50000000-0000-4000-8000-000000000102";
const JANA: &str = "50000000-0000-4000-8000-000000000303";
const KARL: &str = "50000000-0000-4000-8000-000000000304";
const COHO: &str = "30000000-0000-4000-8000-000000000006";
const COHO_STANDARD: &str = "40000000-0000-4000-8000-000000000601";
const ROSA: &str = "50000000-0000-4000-8000-000000000601";

fn uid(s: &str) -> CustomerUserId {
    CustomerUserId::parse(s).unwrap()
}

fn sid(s: &str) -> SubscriptionId {
    SubscriptionId::parse(s).unwrap()
}

fn partial(mut r: UpgradeRequest, users: &[&str]) -> UpgradeRequest {
    r.partial = true;
    r.user_ids = users.iter().map(|u| uid(u)).collect();
    r.user_ids.sort();
    r
}

fn into(mut r: UpgradeRequest, receiver: &str) -> UpgradeRequest {
    r.into_subscription = Some(sid(receiver));
    r
}

/// Plans `r` for `customer` as an admin agent, with a threshold no order
/// reaches.
fn decide(customer: &str, r: &UpgradeRequest) -> Result<Plan, Refusal> {
    let (catalog, data) = demo();
    let snap = snapshot(&data, customer);
    let caller = user(snap.customer.partner_id);
    let ctx = Context {
        catalog: &catalog,
        caller: &caller,
        now: now(),
        credit_check_threshold: Decimal::from(1_000_000),
    };
    plan(&ctx, &snap, r, uuid::Uuid::nil(), ids())
}

#[test]
fn a_partial_upgrade_moves_the_named_users_and_the_source_keeps_the_rest() {
    let r = partial(
        request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 3, TRANSFER),
        &[ALICE, BOB],
    );
    let plan = decide(NORTHWIND, &r).unwrap();
    let e = plan.effects.expect("executes");
    let created = e.create.expect("a new subscription");
    assert_eq!((created.quantity, created.assigned_seats), (3, 2));
    assert!(
        e.cancel.is_empty() && e.reattach.is_empty(),
        "the source stays"
    );
    assert_eq!(
        e.licenses,
        LicenseMove::Users {
            moved: vec![uid(ALICE), uid(BOB)],
            dropped: vec![]
        }
    );
    assert_eq!(
        e.seats,
        vec![SeatCount {
            id: sid(NORTHWIND_BASIC),
            quantity: 7,
            assigned_seats: 2
        }]
    );
    let order = plan.order;
    assert!(order.partial && !order.into_existing);
    assert_eq!(order.moved_user_count, 2);
    // The report covers alice (a service reset) and bob (blocked) only.
    let mut users: Vec<_> = order.migration_report.iter().map(|m| m.user_id).collect();
    users.dedup();
    assert_eq!(users, vec![uid(ALICE), uid(BOB)]);
    // The credit covers 3 of the 10 seats: the full upgrade's is 215.01.
    let credit = order.prorated_credit.unwrap().amount;
    assert_eq!(credit, "64.50".parse::<Decimal>().unwrap());
}

#[test]
fn partial_upgrades_are_refused_for_what_they_cannot_do() {
    let base = || request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 3, TRANSFER);
    let cases: Vec<(&str, UpgradeRequest, Refusal)> = vec![
        (
            "as many seats as the source's",
            partial(
                request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10, TRANSFER),
                &[],
            ),
            Refusal::QuantityAboveMaximum { min: 1, max: 9 },
        ),
        (
            "more users than seats",
            partial(
                request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 1, TRANSFER),
                &[ALICE, BOB],
            ),
            Refusal::TooManyUsers {
                named: 2,
                quantity: 1,
            },
        ),
        (
            "a user of another subscription",
            partial(base(), &[ALICE, KARL]),
            Refusal::UsersNotOnSource(vec![uid(KARL)]),
        ),
        (
            "the 4 users left need 4 seats",
            partial(
                request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 7, TRANSFER),
                &[],
            ),
            Refusal::SourceSeatsShort {
                remaining_seats: 3,
                remaining_users: 4,
            },
        ),
    ];
    for (what, r, expected) in cases {
        assert_eq!(decide(NORTHWIND, &r).unwrap_err(), expected, "{what}");
    }
    // Six seats with alice and bob: 4 seats stay for the 2 users left.
    assert!(
        decide(
            NORTHWIND,
            &partial(
                request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 6, TRANSFER),
                &[ALICE, BOB]
            )
        )
        .is_ok()
    );
}

#[test]
fn an_add_on_the_target_cannot_carry_blocks_only_the_full_upgrade() {
    let (catalog, data) = demo();
    // Coho's Standard carries Business Voice, which no enterprise plan can.
    let snap = snapshot(&data, COHO);
    let caller = user(snap.customer.partner_id);
    let answer = crate::domain::eligibility::check(
        &catalog,
        &snap,
        &caller,
        now(),
        sid(COHO_STANDARD),
        None,
    )
    .unwrap();
    let blocked: Vec<_> = answer
        .targets
        .iter()
        .filter(|t| t.reason_codes() == [ReasonCode::AddOnIncompatible])
        .collect();
    assert!(!blocked.is_empty(), "the demo has an add-on-blocked target");
    for t in blocked {
        assert!(!t.eligible && t.partial_eligible, "{}", t.target);
        assert_eq!(t.partial_max_quantity, 5);
        let full = request(COHO, COHO_STANDARD, t.target.as_str(), 6, TRANSFER);
        assert!(matches!(decide(COHO, &full), Err(Refusal::Ineligible(_))));
        let some = partial(
            request(COHO, COHO_STANDARD, t.target.as_str(), 2, TRANSFER),
            &[ROSA],
        );
        let plan = decide(COHO, &some).unwrap();
        let e = plan.effects.unwrap();
        assert!(e.cancel.is_empty() && e.reattach.is_empty(), "add-ons stay");
        assert!(plan.order.dropped_add_ons.is_empty());
    }
}

#[test]
fn seats_go_into_an_existing_subscription_owning_the_target_does_not_block() {
    // Contoso holds E3 (302) already: a new E3 is refused, moving into 302
    // is not. jana holds both: her basic license gives way to her E3 one.
    let full = request(CONTOSO, CONTOSO_BASIC, "o365-e3", 5, TRANSFER);
    let Err(Refusal::Ineligible(reasons)) = decide(CONTOSO, &full) else {
        panic!("a second E3 is refused");
    };
    assert!(
        reasons
            .iter()
            .any(|r| r.code == ReasonCode::TargetAlreadyOwned)
    );

    let plan = decide(CONTOSO, &into(full, CONTOSO_E3)).unwrap();
    let e = plan.effects.unwrap();
    assert!(e.create.is_none(), "no new subscription");
    assert_eq!(e.target, sid(CONTOSO_E3));
    assert_eq!(e.cancel, vec![sid(CONTOSO_BASIC)]);
    assert_eq!(
        e.licenses,
        LicenseMove::Users {
            moved: vec![uid(KARL)],
            dropped: vec![uid(JANA)]
        }
    );
    assert!(e.seats.contains(&SeatCount {
        id: sid(CONTOSO_E3),
        quantity: 25,
        assigned_seats: 4
    }));
    assert_eq!(plan.order.target_subscription_id, Some(sid(CONTOSO_E3)));
    assert!(plan.order.into_existing && !plan.order.partial);

    // Partial into it: one seat and karl; the source keeps 4 seats and jana.
    let some = partial(
        into(
            request(CONTOSO, CONTOSO_BASIC, "o365-e3", 1, TRANSFER),
            CONTOSO_E3,
        ),
        &[KARL],
    );
    let e = decide(CONTOSO, &some).unwrap().effects.unwrap();
    assert!(e.cancel.is_empty());
    assert_eq!(
        e.seats,
        vec![
            SeatCount {
                id: sid(CONTOSO_BASIC),
                quantity: 4,
                assigned_seats: 1
            },
            SeatCount {
                id: sid(CONTOSO_E3),
                quantity: 21,
                assigned_seats: 4
            },
        ]
    );
}

#[test]
fn the_receiver_must_suit_the_upgrade() {
    let base = || request(CONTOSO, CONTOSO_BASIC, "o365-e3", 5, TRANSFER);
    // Another customer's subscription is not found; the source itself and
    // the E3's add-on are of another offer.
    let other_customers = "40000000-0000-4000-8000-000000000101";
    assert_eq!(
        decide(CONTOSO, &into(base(), other_customers)).unwrap_err(),
        Refusal::TargetSubscriptionNotFound(sid(other_customers))
    );
    for (receiver, problem) in [
        (CONTOSO_BASIC, ReceiverProblem::OtherOffer),
        (
            "40000000-0000-4000-8000-000000000304",
            ReceiverProblem::OtherOffer,
        ),
    ] {
        assert_eq!(
            decide(CONTOSO, &into(base(), receiver)).unwrap_err(),
            Refusal::ReceiverUnsuitable {
                id: sid(receiver),
                problem
            }
        );
    }
    let mut monthly = into(base(), CONTOSO_E3);
    monthly.billing_cycle = Some(BillingCycle::Monthly);
    assert_eq!(
        decide(CONTOSO, &monthly).unwrap_err(),
        Refusal::ReceiverUnsuitable {
            id: sid(CONTOSO_E3),
            problem: ReceiverProblem::CycleMismatch
        }
    );
    // Status and channel, on a copy of the snapshot.
    let (catalog, data) = demo();
    let caller = user(snapshot(&data, CONTOSO).customer.partner_id);
    let ctx = Context {
        catalog: &catalog,
        caller: &caller,
        now: now(),
        credit_check_threshold: Decimal::from(1_000_000),
    };
    for (change, problem) in [
        (
            (|s: &mut Subscription| s.status = SubscriptionStatus::Suspended)
                as fn(&mut Subscription),
            ReceiverProblem::NotActive,
        ),
        (
            |s: &mut Subscription| s.channel = Channel::OtherPartner,
            ReceiverProblem::OtherChannel,
        ),
    ] {
        let mut snap = snapshot(&data, CONTOSO);
        let e3 = snap
            .subscriptions
            .iter_mut()
            .find(|s| s.id == sid(CONTOSO_E3))
            .unwrap();
        change(e3);
        let refusal = plan(
            &ctx,
            &snap,
            &into(base(), CONTOSO_E3),
            uuid::Uuid::nil(),
            ids(),
        )
        .unwrap_err();
        assert_eq!(
            refusal,
            Refusal::ReceiverUnsuitable {
                id: sid(CONTOSO_E3),
                problem
            }
        );
    }
}

#[test]
fn eligibility_lists_the_subscriptions_that_can_receive_seats() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, CONTOSO);
    let caller = user(snap.customer.partner_id);
    let answer = crate::domain::eligibility::check(
        &catalog,
        &snap,
        &caller,
        now(),
        sid(CONTOSO_BASIC),
        Some(&OfferId::parse("o365-e3").unwrap()),
    )
    .unwrap();
    let t = &answer.targets[0];
    assert!(!t.eligible);
    let receivers: Vec<_> = t
        .receivers
        .iter()
        .map(|r| (r.subscription.id, r.quantity))
        .collect();
    assert_eq!(receivers, vec![(sid(CONTOSO_E3), 20)]);
    assert_eq!(t.receivers[0].billing_cycle, BillingCycle::Annual);
}

#[test]
fn the_fingerprint_tells_partial_and_into_existing_requests_apart() {
    let base = request(CONTOSO, CONTOSO_BASIC, "o365-e3", 5, TRANSFER);
    let with_partial = partial(base.clone(), &[]);
    let with_users = partial(base.clone(), &[KARL]);
    let with_into = into(base.clone(), CONTOSO_E3);
    let prints = [&base, &with_partial, &with_users, &with_into].map(|r| r.fingerprint());
    for (i, a) in prints.iter().enumerate() {
        for b in &prints[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert!(prints[0].starts_with("v1|") && !prints[0].contains("partial"));
}
