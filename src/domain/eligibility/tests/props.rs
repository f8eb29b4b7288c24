//! Properties over random snapshots of the builtin catalog's offers.

use proptest::prelude::*;

use super::*;

fn base_offers() -> Vec<&'static Offer> {
    CATALOG.offers().filter(|o| !o.add_on).collect()
}

fn add_on_offers() -> Vec<&'static Offer> {
    CATALOG.offers().filter(|o| o.add_on).collect()
}

fn pick<T: Copy>(all: &[T], i: usize) -> T {
    all[i % all.len()]
}

#[derive(Debug, Clone)]
struct SubSpec {
    offer: usize,
    channel: usize,
    status: usize,
    quantity: i64,
    over_assigned: i64,
    annual: bool,
    prepaid: bool,
    trial: bool,
    provisioned: bool,
    users: usize,
}

fn sub_spec() -> impl Strategy<Value = SubSpec> {
    (
        (
            any::<usize>(),
            // Mostly healthy subscriptions through this partner, so that the
            // properties about eligible targets have targets to work on.
            prop::sample::select(vec![0usize, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
            prop::sample::select(vec![0usize, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]),
            prop_oneof![9 => 1..60i64, 1 => 250..400i64],
            prop::sample::select(vec![0i64, 0, 0, 0, -2, 1]),
        ),
        (
            any::<bool>(),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.9),
            0..4usize,
        ),
    )
        .prop_map(
            |(
                (offer, channel, status, quantity, over_assigned),
                (annual, prepaid, trial, provisioned, users),
            )| SubSpec {
                offer,
                channel,
                status,
                quantity,
                over_assigned,
                annual,
                prepaid,
                trial,
                provisioned,
                users,
            },
        )
}

#[derive(Debug, Clone)]
struct World {
    country_in: bool,
    segment: usize,
    custom_domain: bool,
    unpaid: bool,
    incident: Option<usize>,
    relationship: usize,
    roles: Vec<usize>,
    app: bool,
    subs: Vec<SubSpec>,
    add_ons: Vec<(usize, usize)>,
    orders: Vec<usize>,
}

fn world() -> impl Strategy<Value = World> {
    (
        (
            prop::bool::weighted(0.2),
            prop::sample::select(vec![0usize, 0, 0, 0, 0, 1, 2, 3]),
            any::<bool>(),
            prop::bool::weighted(0.1),
            prop::option::weighted(0.1, 0..16usize),
            prop::sample::select(vec![1usize, 1, 1, 1, 1, 0, 2]),
            prop::collection::vec(0..5usize, 1..3),
            prop::bool::weighted(0.2),
        ),
        // Suites overlap, so every extra subscription tends to conflict:
        // keep most customers small.
        prop_oneof![2 => prop::collection::vec(sub_spec(), 1..2), 1 => prop::collection::vec(sub_spec(), 2..5)],
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..2),
        prop::collection::vec(prop::sample::select(vec![0usize, 1, 2, 2, 3, 4]), 0..2),
    )
        .prop_map(
            |((country_in, segment, custom_domain, unpaid, incident, relationship, roles, app), subs, add_ons, orders)| {
                World {
                    country_in,
                    segment,
                    custom_domain,
                    unpaid,
                    incident,
                    relationship,
                    roles,
                    app,
                    subs,
                    add_ons,
                    orders,
                }
            },
        )
}

fn build(w: &World) -> (CustomerSnapshot, Caller) {
    let mut s = Setup::new("m365-business-basic");
    // Start from an empty customer and describe everything from the world.
    s.snapshot.subscriptions.clear();
    s.snapshot.users.clear();
    let c = s.customer();
    c.country = if w.country_in { "IN" } else { "NL" }.into();
    c.segment = Segment::ALL[w.segment];
    c.custom_domain = w.custom_domain;
    c.unpaid_balance = w.unpaid;
    if let Some(i) = w.incident {
        let services: Vec<&str> = CATALOG.services().map(|s| s.id.as_str()).collect();
        c.service_incidents.insert(pick(&services, i).to_owned());
    }
    c.delegated_admin = DelegatedAdmin {
        status: RelationshipStatus::ALL[w.relationship],
        roles: w.roles.iter().map(|&r| DelegatedRole::ALL[r]).collect(),
    };
    if w.app {
        s.caller = app_caller(s.caller.partner_id);
    }
    let bases = base_offers();
    let sources: Vec<&Offer> = bases
        .iter()
        .copied()
        .filter(|o| !CATALOG.paths_from(&o.id).is_empty())
        .collect();
    let mut ids = Vec::new();
    for spec in &w.subs {
        // Three in four offers with upgrade paths, so most sources have targets.
        let offer = if spec.offer % 4 == 0 {
            pick(&bases, spec.offer / 4)
        } else {
            pick(&sources, spec.offer / 4)
        };
        let sub = s.add(offer.id.as_str(), Channel::ALL[spec.channel]);
        let status = SubscriptionStatus::ALL[spec.status];
        sub.status = status;
        sub.quantity = spec.quantity;
        sub.assigned_seats = (spec.quantity + spec.over_assigned).max(0);
        sub.billing_cycle = if spec.annual {
            BillingCycle::Annual
        } else {
            BillingCycle::Monthly
        };
        if spec.prepaid {
            sub.payment_method = PaymentMethod::Prepaid;
        }
        sub.trial = spec.trial;
        sub.provisioned = spec.provisioned;
        let id = sub.id;
        ids.push(id);
        s.users(id, spec.users);
    }
    let add_ons = add_on_offers();
    for &(offer, parent) in &w.add_ons {
        let parent = pick(&ids, parent);
        let sub = s.add(pick(&add_ons, offer).id.as_str(), Channel::ThisPartner);
        sub.parent_id = Some(parent);
    }
    for &state in &w.orders {
        s.order(OrderState::ALL[state]);
    }
    (s.snapshot, s.caller)
}

fn all_checks(
    snapshot: &CustomerSnapshot,
    caller: &Caller,
) -> Vec<Result<Eligibility, EligibilityError>> {
    let mut ids: Vec<SubscriptionId> = snapshot.subscriptions.iter().map(|s| s.id).collect();
    ids.sort();
    ids.into_iter()
        .map(|id| check(&CATALOG, snapshot, caller, now(), id, None))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn upgrade_available_agrees_with_check(w in world()) {
        let (snapshot, caller) = build(&w);
        let hint = upgrade_available(&CATALOG, &snapshot, &caller, now());
        for sub in &snapshot.subscriptions {
            let answer = check(&CATALOG, &snapshot, &caller, now(), sub.id, None).unwrap();
            assert_well_formed(&answer);
            let any = answer.targets.iter().any(|t| t.eligible);
            prop_assert_eq!(hint.contains(&sub.id), any, "{}", sub.offer_id);
        }
    }

    #[test]
    fn the_order_of_the_snapshot_does_not_matter(w in world(), seed in any::<u64>()) {
        let (snapshot, caller) = build(&w);
        let mut shuffled = snapshot.clone();
        // A deterministic shuffle per case: sort by a hash of the seed and id.
        let key = |id: &Uuid| (id.as_u128() as u64).wrapping_mul(seed | 1).rotate_left(17);
        shuffled.subscriptions.sort_by_key(|s| key(&s.id.0));
        shuffled.users.sort_by_key(|u| key(&u.id.0));
        shuffled.open_orders.sort_by_key(|o| key(&o.id.0));
        shuffled.subscriptions.reverse();
        prop_assert_eq!(all_checks(&snapshot, &caller), all_checks(&shuffled, &caller));
        prop_assert_eq!(
            upgrade_available(&CATALOG, &snapshot, &caller, now()),
            upgrade_available(&CATALOG, &shuffled, &caller, now())
        );
    }

    #[test]
    fn a_target_outside_the_matrix_is_never_eligible(w in world(), target in any::<usize>()) {
        let (snapshot, caller) = build(&w);
        let offers: Vec<&Offer> = CATALOG.offers().collect();
        let target = &pick(&offers, target).id;
        for sub in &snapshot.subscriptions {
            if CATALOG.path(&sub.offer_id, target).is_some() {
                continue;
            }
            let answer = check(&CATALOG, &snapshot, &caller, now(), sub.id, Some(target)).unwrap();
            prop_assert!(!answer.targets[0].eligible);
            prop_assert!(!answer.targets[0].in_matrix);
            prop_assert!(answer.targets[0].reason_codes().contains(&ReasonCode::TargetNotInMatrix));
        }
    }

    #[test]
    fn an_unrelated_healthy_subscription_never_blocks(w in world(), extra in any::<usize>()) {
        let (snapshot, caller) = build(&w);
        for answer in all_checks(&snapshot, &caller).into_iter().flatten() {
            let source = &answer.source.offer_id;
            for t in answer.targets.iter().filter(|t| t.eligible) {
                let target = CATALOG.offer(&t.target).unwrap();
                let unrelated: Vec<&Offer> = base_offers()
                    .into_iter()
                    .filter(|o| {
                        &o.id != source
                            && o.id != target.id
                            && CATALOG.path(source, &o.id).is_none()
                            && o.services.keys().all(|s| !target.services.contains_key(s))
                    })
                    .collect();
                if unrelated.is_empty() {
                    continue;
                }
                let mut more = snapshot.clone();
                let mut healthy = snapshot.subscriptions[0].clone();
                healthy.id = SubscriptionId(Uuid::from_u128(u128::MAX - 1));
                healthy.offer_id = pick(&unrelated, extra).id.clone();
                healthy.channel = Channel::ThisPartner;
                healthy.status = SubscriptionStatus::Active;
                healthy.provisioned = true;
                healthy.trial = false;
                healthy.payment_method = PaymentMethod::CreditCard;
                healthy.parent_id = None;
                (healthy.quantity, healthy.assigned_seats) = (1, 1);
                more.subscriptions.push(healthy);
                let again = check(&CATALOG, &more, &caller, now(), answer.source.id, Some(&t.target)).unwrap();
                prop_assert!(again.targets[0].eligible, "{:#?}", again.targets[0].reasons);
            }
        }
    }

    /// A page's hint from its slice (`slice.rs`) is the whole customer's,
    /// also when each subscription has look-alikes of its (offer, channel,
    /// status) inside and outside the page.
    #[test]
    fn a_page_slice_gives_the_whole_customers_hint(
        w in world(),
        copies in 0..4usize,
        mask in any::<u64>(),
    ) {
        let (mut snapshot, caller) = build(&w);
        let originals = snapshot.subscriptions.clone();
        for n in 0..copies {
            for s in &originals {
                let mut copy = s.clone();
                copy.id = SubscriptionId(Uuid::from_u128(s.id.0.as_u128() ^ ((n as u128 + 1) << 64)));
                snapshot.subscriptions.push(copy);
            }
        }
        let page: Vec<SubscriptionId> = snapshot
            .subscriptions
            .iter()
            .enumerate()
            .filter(|(i, _)| mask >> (i % 64) & 1 == 1)
            .map(|(_, s)| s.id)
            .collect();
        let whole = upgrade_available(&CATALOG, &snapshot, &caller, now());
        let expected: std::collections::HashSet<SubscriptionId> =
            page.iter().copied().filter(|id| whole.contains(id)).collect();
        let slice = super::super::slice::slice_of(&snapshot, &page);
        prop_assert_eq!(
            upgrade_available_in_slice(&CATALOG, slice, &page, &caller, now()),
            expected
        );
    }
}
