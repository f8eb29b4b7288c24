//! Ownership and services the customer already holds elsewhere (SPEC §4,
//! 16-18, seed 004): through this partner the partner resolves it itself;
//! through another channel it must be cancelled there first.

use std::collections::BTreeMap;

use crate::domain::ids::SubscriptionId;
use crate::domain::model::{Channel, Subscription};

use super::super::index::{SnapshotIndex, channel_text};
use super::super::reason::{Details, Reason, ReasonCode as Code, Remedy};
use super::TargetCtx;
use crate::domain::text::{Arg, Text};

/// Live subscriptions of the target offer, through this partner or elsewhere.
fn holders<'a>(
    ix: &SnapshotIndex<'a>,
    c: &TargetCtx<'_>,
    this_partner: bool,
) -> Vec<&'a Subscription> {
    ix.live_of_offer(&c.target.id)
        .filter(|s| (s.channel == Channel::ThisPartner) == this_partner)
        .collect()
}

pub(super) fn already_owned(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let owned = holders(ix, c, true);
    (!owned.is_empty()).then(|| {
        Reason::new(
            Code::TargetAlreadyOwned,
            Remedy::ChangePlanManually,
            Text::new("reason-target-already-owned").arg("target", &c.target.name),
        )
        .about(owned)
    })
}

/// Conflicting subscription -> the services it already holds.
type Conflicts<'a> = BTreeMap<SubscriptionId, (&'a Subscription, Vec<String>)>;

/// Other live subscriptions that already include a service the target would
/// add, with the services; the source, its add-ons (the add-on rule handles
/// those) and subscriptions of the target offer itself (the ownership rule)
/// are left out.
fn service_conflicts<'a>(
    ix: &SnapshotIndex<'a>,
    c: &TargetCtx<'_>,
    this_partner: bool,
) -> Conflicts<'a> {
    let mut found = Conflicts::new();
    for (service, &level) in &c.target.services {
        let adds = c
            .source_offer
            .services
            .get(service)
            .is_none_or(|&have| have < level);
        if !adds {
            continue;
        }
        for holder in ix.holding_service(service, level) {
            let skip = holder.id == c.source.id
                || holder.parent_id == Some(c.source.id)
                || holder.offer_id == c.target.id
                || (holder.channel == Channel::ThisPartner) != this_partner;
            if !skip {
                found
                    .entry(holder.id)
                    .or_insert((holder, Vec::new()))
                    .1
                    .push(service.clone());
            }
        }
    }
    found
}

fn service_list(conflicts: &Conflicts<'_>) -> Vec<String> {
    let mut all: Vec<String> = conflicts
        .values()
        .flat_map(|(_, s)| s.iter().cloned())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The reason's typed facts: every service, and per subscription its own.
fn with_service_details(
    reason: Reason,
    conflicts: &Conflicts<'_>,
    channels: Vec<Channel>,
    target_owned: bool,
) -> Reason {
    reason
        .with(Details::ServiceConflict {
            services: service_list(conflicts),
            holders: conflicts
                .iter()
                .map(|(id, (_, services))| (*id, services.clone()))
                .collect(),
            channels,
            target_owned,
        })
        .about(conflicts.values().map(|(s, _)| *s))
}

fn names(ix: &SnapshotIndex<'_>, services: &[String]) -> Vec<Arg> {
    services
        .iter()
        .map(|s| Arg::from(ix.service_name(s)))
        .collect()
}

pub(super) fn conflicting_services(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let conflicts = service_conflicts(ix, c, true);
    if conflicts.is_empty() {
        return None;
    }
    let services = service_list(&conflicts);
    let offers: Vec<String> = conflicts
        .values()
        .map(|(s, _)| ix.offer_name(&s.offer_id))
        .collect();
    let reason = Reason::new(
        Code::ConflictingServices,
        Remedy::ChangePlanManually,
        Text::new("reason-conflicting-services")
            .arg("services", names(ix, &services))
            .arg("offers", offers)
            .arg("target", &c.target.name),
    );
    Some(with_service_details(
        reason,
        &conflicts,
        vec![Channel::ThisPartner],
        false,
    ))
}

/// SPEC §4.18: ownership or services held through another channel, in one
/// reason naming every subscription to cancel there.
pub(super) fn multichannel_conflict(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Option<Reason> {
    let owned = holders(ix, c, false);
    let conflicts = service_conflicts(ix, c, false);
    if owned.is_empty() && conflicts.is_empty() {
        return None;
    }
    let mut channels: Vec<Channel> = owned
        .iter()
        .copied()
        .chain(conflicts.values().map(|(s, _)| *s))
        .map(|s| s.channel)
        .collect();
    channels.sort();
    channels.dedup();
    let services = service_list(&conflicts);
    // The target itself when owned there, then the services held there.
    let mut what: Vec<Arg> = Vec::new();
    if !owned.is_empty() {
        what.push(Arg::from(&c.target.name));
    }
    what.extend(names(ix, &services));
    let through: Vec<Text> = channels.iter().map(|&ch| channel_text(ch)).collect();
    let reason = Reason::new(
        Code::MultichannelConflict,
        Remedy::CancelInOtherChannel,
        Text::new("reason-multichannel-conflict")
            .arg("what", what)
            .arg("channels", through)
            .arg("count", owned.len() + conflicts.len())
            .arg("target", &c.target.name),
    )
    .about(owned.iter().copied());
    let target_owned = !owned.is_empty();
    Some(with_service_details(
        reason,
        &conflicts,
        channels,
        target_owned,
    ))
}
