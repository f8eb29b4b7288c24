//! "Upgrade now" eligibility (SPEC §4) and the manual path (SPEC §6), as pure
//! functions of the catalog, one customer snapshot and the caller.
//!
//! - `source.rs`: rules about the source subscription; each blocks every target.
//! - `target/`: rules about one target offer; `conflict.rs` there holds the
//!   ones about what the customer already owns, here or elsewhere.
//! - `manual.rs`: the manual change offered when the automatic one is refused.
//! - `reason.rs`: the answer's types, mirroring `csp.v1` in `upgrade.proto`.
//! - `index.rs`: lookups over the snapshot, built once per snapshot.
//! - `slice.rs`: the hint of a page of subscriptions from a slice of the
//!   customer.
//!
//! Every rule that applies is reported, never only the first.

mod index;
mod manual;
mod reason;
mod slice;
mod source;
mod target;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::domain::catalog::{Catalog, Offer};
use crate::domain::ids::{OfferId, SubscriptionId};
use crate::domain::model::{CustomerSnapshot, Subscription};
use crate::domain::roles::Caller;

use index::SnapshotIndex;

pub use index::Lookups;
pub use slice::{HintSlice, OTHERS_PER_GROUP, upgrade_available_in_slice};
use target::TargetCtx;
pub use target::{ReceiverProblem, receiver_problem};

pub use reason::{
    Details, Eligibility, EligibilityError, LevelChange, ManualPath, OrderKind, Reason, ReasonCode,
    Receiver, Remedy, SubscriptionRef, TargetEligibility,
};

/// The eligibility of `source` for every upgrade path of its offer (catalog
/// path order), or for the one `target` named, even outside the matrix.
///
/// `now` is not read by today's rules; it is taken so that time-based rules
/// never need the clock.
pub fn check(
    catalog: &Catalog,
    snapshot: &CustomerSnapshot,
    caller: &Caller,
    now: DateTime<Utc>,
    source: SubscriptionId,
    target: Option<&OfferId>,
) -> Result<Eligibility, EligibilityError> {
    let lookups = Lookups::new(catalog, snapshot);
    check_with(catalog, snapshot, &lookups, caller, now, source, target)
}

/// [`check`] with the snapshot's [`Lookups`] built beforehand (and kept:
/// they depend on the snapshot and catalog only).
pub fn check_with(
    catalog: &Catalog,
    snapshot: &CustomerSnapshot,
    lookups: &Lookups,
    caller: &Caller,
    _now: DateTime<Utc>,
    source: SubscriptionId,
    target: Option<&OfferId>,
) -> Result<Eligibility, EligibilityError> {
    let ix = SnapshotIndex::new(catalog, snapshot, lookups, caller);
    let sub = ix
        .subscription(source)
        .ok_or(EligibilityError::SubscriptionNotFound(source))?;
    let offer = source_offer(catalog, sub)?;
    let targets: Vec<&Offer> = match target {
        Some(id) => vec![
            catalog
                .offer(id)
                .ok_or_else(|| EligibilityError::UnknownTargetOffer(id.clone()))?,
        ],
        None => path_targets(catalog, offer).collect(),
    };
    let source_reasons = source::source_reasons(&ix, sub, offer);
    let targets = targets
        .into_iter()
        .map(|t| evaluate_target(&ix, TargetCtx::new(&ix, sub, offer, t), &source_reasons))
        .collect();
    Ok(Eligibility {
        source: sub.into(),
        source_reasons,
        targets,
    })
}

/// The "Upgrade now" hint for a whole subscription list in one pass: the
/// subscriptions with at least one eligible target. Agrees with [`check`]
/// because both run the same rules over the same index.
pub fn upgrade_available(
    catalog: &Catalog,
    snapshot: &CustomerSnapshot,
    caller: &Caller,
    now: DateTime<Utc>,
) -> HashSet<SubscriptionId> {
    let lookups = Lookups::new(catalog, snapshot);
    upgrade_available_with(catalog, snapshot, &lookups, caller, now)
}

/// [`upgrade_available`] with the snapshot's [`Lookups`] built beforehand.
pub fn upgrade_available_with(
    catalog: &Catalog,
    snapshot: &CustomerSnapshot,
    lookups: &Lookups,
    caller: &Caller,
    _now: DateTime<Utc>,
) -> HashSet<SubscriptionId> {
    let ix = SnapshotIndex::new(catalog, snapshot, lookups, caller);
    ix.subscriptions()
        .filter(|sub| {
            let Ok(offer) = source_offer(catalog, sub) else {
                return false;
            };
            // Source reasons block every target: no need to look further.
            source::no_source_reason(&ix, sub, offer)
                && path_targets(catalog, offer)
                    .any(|t| target::no_target_reason(&ix, &TargetCtx::new(&ix, sub, offer, t)))
        })
        .map(|sub| sub.id)
        .collect()
}

fn source_offer<'c>(
    catalog: &'c Catalog,
    sub: &Subscription,
) -> Result<&'c Offer, EligibilityError> {
    catalog
        .offer(&sub.offer_id)
        .ok_or_else(|| EligibilityError::SourceOfferNotInCatalog {
            subscription: sub.id,
            offer: sub.offer_id.clone(),
        })
}

/// The targets of the source offer's paths; a validated catalog has an offer
/// for every path end.
fn path_targets<'c>(catalog: &'c Catalog, offer: &Offer) -> impl Iterator<Item = &'c Offer> {
    catalog
        .paths_from(&offer.id)
        .iter()
        .filter_map(|p| catalog.offer(&p.to))
}

fn evaluate_target(
    ix: &SnapshotIndex<'_>,
    ctx: TargetCtx<'_>,
    source_reasons: &[Reason],
) -> TargetEligibility {
    let target_reasons = target::target_reasons(ix, &ctx);
    let eligible = source_reasons.is_empty() && target_reasons.is_empty();
    let unblocked = |kind: OrderKind| {
        source_reasons
            .iter()
            .chain(&target_reasons)
            .all(|r| !r.code.blocks(kind))
    };
    let partial = OrderKind {
        partial: true,
        into_existing: false,
    };
    let into_existing = OrderKind {
        partial: true,
        into_existing: true,
    };
    // A partial upgrade moves at least one seat and leaves at least one.
    let spare_seats = ctx.source.quantity > 1;
    let may_submit = !ix.upgrade_types.is_empty();
    let partial_eligible = spare_seats && unblocked(partial) && may_submit;
    let receivers = if unblocked(into_existing) && may_submit {
        target::receivers(ix, &ctx)
    } else {
        Vec::new()
    };
    let manual_path = if eligible {
        None
    } else {
        manual::manual_path(ix, &ctx, source_reasons, &target_reasons)
    };
    TargetEligibility {
        target: ctx.target.id.clone(),
        in_matrix: ctx.path.is_some(),
        eligible,
        upgrade_types: if eligible {
            ix.upgrade_types.clone()
        } else {
            Vec::new()
        },
        min_quantity: ctx.min_quantity(),
        max_quantity: ctx.max_quantity(),
        reasons: source_reasons
            .iter()
            .cloned()
            .chain(target_reasons)
            .collect(),
        dropped_add_ons: ctx.add_ons.dropped.iter().map(|&s| s.into()).collect(),
        carried_add_ons: ctx.add_ons.carried.iter().map(|&s| s.into()).collect(),
        manual_path,
        caller_upgrade_types: ix.upgrade_types.clone(),
        partial_eligible,
        partial_max_quantity: (ctx.source.quantity - 1).clamp(0, ctx.max_quantity()),
        receivers,
    }
}
