//! Which existing subscriptions can receive the seats of an upgrade (SPEC §8):
//! active, of the target offer, of the same customer (the snapshot is one
//! customer's), bought through this partner, with a billing cycle the
//! target offers.

use crate::domain::catalog::Offer;
use crate::domain::model::{Channel, Subscription, SubscriptionStatus, text_enum};

use super::super::index::SnapshotIndex;
use super::super::reason::Receiver;
use super::TargetCtx;

text_enum!(/// Why a named subscription cannot receive the seats.
ReceiverProblem {
    /// It is not active.
    NotActive = "NOT_ACTIVE",
    /// It is of another offer than the target (the source itself included).
    OtherOffer = "OTHER_OFFER",
    /// It was bought through another partner or channel.
    OtherChannel = "OTHER_CHANNEL",
    /// Its billing cycle is not one the source can move to: the target does
    /// not offer it, or the request names another.
    CycleMismatch = "CYCLE_MISMATCH",
});

/// The first problem of `candidate` as the receiver of seats of `source`
/// moving to `target`, if any.
pub fn receiver_problem(
    source: &Subscription,
    target: &Offer,
    candidate: &Subscription,
) -> Option<ReceiverProblem> {
    if candidate.offer_id != target.id || candidate.id == source.id {
        Some(ReceiverProblem::OtherOffer)
    } else if candidate.channel != Channel::ThisPartner {
        Some(ReceiverProblem::OtherChannel)
    } else if candidate.status != SubscriptionStatus::Active || !candidate.provisioned {
        Some(ReceiverProblem::NotActive)
    } else if !target.billing_cycles.contains(&candidate.billing_cycle) {
        Some(ReceiverProblem::CycleMismatch)
    } else {
        None
    }
}

/// At most this many receivers are listed: answers stay bounded whatever a
/// customer holds (a customer rarely has more than one).
pub const MAX_RECEIVERS: usize = 100;

/// The subscriptions of the snapshot that can receive seats (at most
/// [`MAX_RECEIVERS`]).
pub(in super::super) fn receivers(ix: &SnapshotIndex<'_>, c: &TargetCtx<'_>) -> Vec<Receiver> {
    let max = c.max_quantity();
    ix.live_of_offer(&c.target.id)
        .filter(|s| receiver_problem(c.source, c.target, s).is_none())
        .filter(|s| s.quantity < max)
        .map(|s| Receiver {
            subscription: s.into(),
            quantity: s.quantity,
            billing_cycle: s.billing_cycle,
            period_end: s.period_end,
            max_added_quantity: max - s.quantity,
        })
        .take(MAX_RECEIVERS)
        .collect()
}
