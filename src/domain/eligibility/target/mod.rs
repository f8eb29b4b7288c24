//! Rules about one target offer (SPEC §4, reasons 14-24). They are evaluated
//! for targets outside the matrix too, so a partner who names any offer learns
//! every reason at once.

use crate::domain::catalog::{CatalogKind, Offer, UpgradePath};
use crate::domain::ids::{OfferId, SubscriptionId};
use crate::domain::model::{Segment, Subscription};

mod conflict;

use super::index::SnapshotIndex;
use super::reason::{Details, LevelChange, Reason, ReasonCode as Code, Remedy};
use crate::domain::text::{Arg, Text};

/// Everything the target rules look at for one source -> target pair.
pub(super) struct TargetCtx<'a> {
    pub source: &'a Subscription,
    pub source_offer: &'a Offer,
    pub target: &'a Offer,
    pub path: Option<&'a UpgradePath>,
    /// Seats the target must hold: the source quantity, its assigned seats
    /// and its licensed users, whichever is highest.
    pub needed: i64,
    pub add_ons: AddOnSplit<'a>,
}

/// The source's live add-ons, sorted by what the upgrade does with them.
#[derive(Default)]
pub(super) struct AddOnSplit<'a> {
    /// The target includes their services: the upgrade cancels them (seed 001).
    pub dropped: Vec<&'a Subscription>,
    /// They attach to the target too: they stay.
    pub carried: Vec<&'a Subscription>,
    /// Neither: they block the upgrade (seed 000).
    pub incompatible: Vec<&'a Subscription>,
}

impl<'a> TargetCtx<'a> {
    pub fn new(
        ix: &SnapshotIndex<'a>,
        source: &'a Subscription,
        source_offer: &'a Offer,
        target: &'a Offer,
    ) -> Self {
        let needed = source
            .quantity
            .max(source.assigned_seats)
            .max(ix.licensed_users(source.id));
        TargetCtx {
            source,
            source_offer,
            target,
            path: ix.catalog.path(&source_offer.id, &target.id),
            needed,
            add_ons: split_add_ons(ix, source.id, target),
        }
    }

    pub fn min_quantity(&self) -> i64 {
        self.needed.max(self.target.min_seats)
    }

    pub fn max_quantity(&self) -> i64 {
        match self.path.and_then(|p| p.max_users) {
            Some(cap) => cap.min(self.target.max_seats),
            None => self.target.max_seats,
        }
    }

    /// Seed 002: switching service family cannot be undone. Paths say so on
    /// the edge; for a manual change outside the matrix the legacy families
    /// tell.
    pub fn one_way(&self) -> bool {
        match self.path {
            Some(p) => p.one_way,
            None => {
                self.source_offer.catalog == CatalogKind::Legacy2013
                    && self.source_offer.family != self.target.family
            }
        }
    }
}

fn split_add_ons<'a>(
    ix: &SnapshotIndex<'a>,
    source: SubscriptionId,
    target: &Offer,
) -> AddOnSplit<'a> {
    let mut split = AddOnSplit::default();
    for add_on in ix.add_ons_of(source) {
        match ix.offer(&add_on.offer_id) {
            Some(offer) if includes_all(target, offer) => split.dropped.push(add_on),
            Some(offer) if offer.bases.contains(&target.id) => split.carried.push(add_on),
            _ => split.incompatible.push(add_on),
        }
    }
    split
}

/// `outer` includes every service of `inner` at the same level or higher.
fn includes_all(outer: &Offer, inner: &Offer) -> bool {
    !inner.services.is_empty()
        && inner
            .services
            .iter()
            .all(|(s, l)| outer.services.get(s).is_some_and(|ol| ol >= l))
}

type Rule = fn(&SnapshotIndex<'_>, &TargetCtx<'_>) -> Option<Reason>;

/// In code order.
const RULES: &[Rule] = &[
    not_in_matrix,
    market_mismatch,
    conflict::already_owned,
    conflict::conflicting_services,
    conflict::multichannel_conflict,
    data_service_downgrade,
    seat_limit,
    billing_cycle,
    not_available,
    add_on_incompatible,
    custom_domain,
];

/// Every target reason that applies, in code order.
pub(super) fn target_reasons(ix: &SnapshotIndex<'_>, ctx: &TargetCtx<'_>) -> Vec<Reason> {
    RULES.iter().filter_map(|rule| rule(ix, ctx)).collect()
}

/// True when no target rule applies; stops at the first that does.
pub(super) fn no_target_reason(ix: &SnapshotIndex<'_>, ctx: &TargetCtx<'_>) -> bool {
    RULES.iter().all(|rule| rule(ix, ctx).is_none())
}

fn not_in_matrix(_: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    c.path.is_none().then(|| {
        Reason::new(
            Code::TargetNotInMatrix,
            Remedy::ChangePlanManually,
            Text::new("reason-target-not-in-matrix")
                .arg("target", &c.target.name)
                .arg("source", &c.source_offer.name),
        )
    })
}

const GLOBAL: &str = "GLOBAL";

fn market_text(market: &str) -> Text {
    if market == GLOBAL {
        Text::new("market-global")
    } else {
        Text::new("market-country").arg("country", market)
    }
}

fn not_sold_here(offer: &Offer, country: &str) -> Text {
    Text::new("reason-market-not-sold-here")
        .arg("offer", &offer.name)
        .arg("market", &offer.market)
        .arg("country", country)
}

/// SPEC §4.15: an offer of one market is sold only to customers of that
/// country, and a source sold for one market only moves to an offer of that
/// market (seed 004: India SKUs go to India SKUs). A global source may move
/// to a country offer the customer may buy.
fn market_mismatch(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let country = ix.snapshot.customer.country.as_str();
    let sold_here = |o: &Offer| o.market == GLOBAL || o.market == country;
    let (src, tgt) = (c.source_offer, c.target);
    let (message, remedy) = if !sold_here(src) {
        (not_sold_here(src, country), Remedy::ContactSupport)
    } else if !sold_here(tgt) {
        (not_sold_here(tgt, country), Remedy::ChooseAnotherTarget)
    } else if src.market != GLOBAL && src.market != tgt.market {
        (
            Text::new("reason-market-crossed")
                .arg("source", &src.name)
                .arg("source_market", market_text(&src.market))
                .arg("target", &tgt.name)
                .arg("target_market", market_text(&tgt.market)),
            Remedy::ChooseAnotherTarget,
        )
    } else {
        return None;
    };
    Some(
        Reason::new(Code::MarketMismatch, remedy, message).with(Details::Market {
            source: src.market.clone(),
            target: tgt.market.clone(),
            customer_country: country.to_owned(),
        }),
    )
}

fn level_name(ix: &SnapshotIndex<'_>, service: &str, level: u8) -> String {
    ix.catalog
        .service(service)
        .and_then(|s| s.levels.get(usize::from(level).wrapping_sub(1)))
        .cloned()
        .unwrap_or_else(|| format!("level {level}"))
}

/// A level's name ("Plan 1" is a product name), or "none" in the caller's
/// language.
fn level_arg(level: Option<&str>) -> Arg {
    match level {
        Some(name) => Arg::from(name),
        None => Arg::from(Text::new("level-none")),
    }
}

/// Seed 000: only a move to the same or higher data-related services keeps
/// users' data.
fn data_service_downgrade(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let mut lost: Vec<(&str, String, Option<String>)> = Vec::new();
    let mut changes = Vec::new();
    for (service, &have) in &c.source_offer.services {
        let data = ix.catalog.service(service).is_some_and(|s| s.data_related);
        if !data {
            continue;
        }
        let then = c.target.services.get(service).copied();
        if then.is_none_or(|t| t < have) {
            lost.push((
                service,
                level_name(ix, service, have),
                then.map(|t| level_name(ix, service, t)),
            ));
            changes.push(LevelChange {
                service_id: service.to_string(),
                from_level: have,
                from_name: level_name(ix, service, have),
                to: then.map(|t| (t, level_name(ix, service, t))),
            });
        }
    }
    if lost.is_empty() {
        return None;
    }
    let listed: Vec<Text> = lost
        .iter()
        .map(|(s, from, to)| {
            Text::new("data-loss")
                .arg("service", ix.service_name(s))
                .arg("from", from)
                .arg("to", level_arg(to.as_deref()))
        })
        .collect();
    let reason = Reason::new(
        Code::DataServiceDowngrade,
        Remedy::ChangePlanManually,
        Text::new("reason-data-service-downgrade")
            .arg("target", &c.target.name)
            .arg("source", &c.source_offer.name)
            .arg("losses", listed),
    );
    Some(reason.with(Details::DataServices(changes)))
}

/// SPEC §4.20: the target's maximum and the path's own user limit (seed 002:
/// the wizard's 300 users, the P plan's 25). The source's own maximum is no
/// reason: outgrowing a plan is what an upgrade is for (seed 004).
fn seat_limit(_: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let n = c.needed;
    let mut clauses: Vec<Text> = Vec::new();
    let mut reason = Reason::new(
        Code::SeatLimitExceeded,
        Remedy::ChangePlanManually,
        Text::new("reason-seat-limit-exceeded"),
    )
    .with(Details::SeatLimit {
        needed: n,
        target_max_seats: c.target.max_seats,
        path_max_users: c.path.and_then(|p| p.max_users),
    });
    if n > c.target.max_seats {
        clauses.push(
            Text::new("seat-limit-target")
                .arg("target", &c.target.name)
                .arg("max", c.target.max_seats),
        );
        reason.remedy = Remedy::ChooseAnotherTarget;
    }
    if let Some(cap) = c.path.and_then(|p| p.max_users).filter(|&cap| n > cap) {
        clauses.push(Text::new("seat-limit-path").arg("max", cap));
    }
    if clauses.is_empty() {
        return None;
    }
    reason.message = reason.message.arg("needed", n).arg("limits", clauses);
    Some(reason)
}

fn billing_cycle(_: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let cycle = c.source.billing_cycle;
    if c.target.billing_cycles.contains(&cycle) {
        return None;
    }
    Some(
        Reason::new(
            Code::BillingCycleUnsupported,
            Remedy::ChooseAnotherTarget,
            Text::new("reason-billing-cycle-unsupported")
                .arg("target", &c.target.name)
                .arg("cycle", Text::named("cycle", cycle.as_str())),
        )
        .with(Details::BillingCycle {
            cycle,
            offered: c.target.billing_cycles.clone(),
        }),
    )
}

/// Commercial offers are sold to every segment; the other segments' offers
/// only to their own customers.
fn segment_may_buy(customer: Segment, offer: Segment) -> bool {
    offer == Segment::Commercial || offer == customer
}

fn not_available(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let t = c.target;
    let segment = ix.snapshot.customer.segment;
    let mut clauses: Vec<Text> = Vec::new();
    if t.trial {
        clauses.push(Text::new("not-available-trial-only"));
    } else if !t.available {
        clauses.push(Text::new("not-available-end-of-sale"));
    }
    if !segment_may_buy(segment, t.segment) {
        clauses.push(
            Text::new("not-available-segment")
                .arg("segment", Text::named("segment", segment.as_str())),
        );
    }
    if clauses.is_empty() {
        return None;
    }
    Some(
        Reason::new(
            Code::TargetNotAvailable,
            Remedy::ChooseAnotherTarget,
            Text::new("reason-target-not-available")
                .arg("target", &t.name)
                .arg("why", clauses),
        )
        .with(Details::Availability {
            available: t.available,
            trial: t.trial,
            target_segment: t.segment,
            customer_segment: segment,
        }),
    )
}

fn add_on_incompatible(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let blocking = &c.add_ons.incompatible;
    if blocking.is_empty() {
        return None;
    }
    let mut offers: Vec<OfferId> = blocking.iter().map(|s| s.offer_id.clone()).collect();
    offers.sort();
    offers.dedup();
    let names: Vec<String> = blocking
        .iter()
        .map(|s| ix.offer_name(&s.offer_id))
        .collect();
    Some(
        Reason::new(
            Code::AddOnIncompatible,
            Remedy::RemoveAddOn,
            Text::new("reason-add-on-incompatible")
                .arg("count", names.len())
                .arg("add_ons", names)
                .arg("target", &c.target.name),
        )
        .with(Details::AddOns(offers))
        .about(blocking.iter().copied()),
    )
}

/// Seed 002: a P plan with a custom domain cannot switch to an Enterprise or
/// Midsize plan. The catalog marks the blocked paths; a target named outside
/// the matrix is blocked when it belongs to the family of a blocked path's
/// target (SPEC §4.24: whether or not it is a path).
fn custom_domain_blocks(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> bool {
    match c.path {
        Some(p) => p.custom_domain_blocks,
        None => ix
            .catalog
            .paths_from(&c.source_offer.id)
            .iter()
            .filter(|p| p.custom_domain_blocks)
            .filter_map(|p| ix.offer(&p.to))
            .any(|blocked| blocked.family == c.target.family),
    }
}

fn custom_domain(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    (ix.snapshot.customer.custom_domain && custom_domain_blocks(ix, c)).then(|| {
        Reason::new(
            Code::CustomDomainBlocksSwitch,
            Remedy::ChangePlanManually,
            Text::new("reason-custom-domain-blocks-switch")
                .arg("source", &c.source_offer.name)
                .arg("target", &c.target.name),
        )
    })
}
