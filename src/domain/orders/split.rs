//! What partial upgrades and upgrades into an existing subscription (SPEC §8)
//! change of an assessment: who moves, the receiver, the quantity bounds, and
//! the seat counts and licenses storage writes.

use std::collections::BTreeSet;

use super::order::UpgradeRequest;
use super::plan::Refusal;
use crate::domain::catalog::Offer;
use crate::domain::eligibility::{OrderKind, ReceiverProblem, TargetEligibility, receiver_problem};
use crate::domain::ids::{CustomerUserId, SubscriptionId};
use crate::domain::model::{CustomerSnapshot, Subscription, UpgradeType};

/// How the users' licenses move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenseMove {
    /// No license moves (upgrade only, or a partial upgrade naming nobody).
    None,
    /// Every license of the source moves to a new target.
    All,
    /// These users' source licenses move to the target; `dropped` users
    /// already hold one of the target (an existing subscription): their
    /// source license is removed, the one they hold stays.
    Users {
        moved: Vec<CustomerUserId>,
        dropped: Vec<CustomerUserId>,
    },
}

/// A subscription's seat counts after the order, decided under the
/// customer's lock (so absolute values are safe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatCount {
    pub id: SubscriptionId,
    pub quantity: i64,
    pub assigned_seats: i64,
}

/// The kind of `request` against `source`.
pub fn kind_of(request: &UpgradeRequest) -> OrderKind {
    OrderKind {
        partial: request.partial,
        into_existing: request.into_subscription.is_some(),
    }
}

/// The receiving subscription the request names, if any; a subscription
/// the customer does not have is not found (another customer's too).
pub fn receiver<'s>(
    snapshot: &'s CustomerSnapshot,
    request: &UpgradeRequest,
) -> Result<Option<&'s Subscription>, Refusal> {
    let Some(id) = request.into_subscription else {
        return Ok(None);
    };
    snapshot
        .subscriptions
        .iter()
        .find(|s| s.id == id)
        .map(Some)
        .ok_or(Refusal::TargetSubscriptionNotFound(id))
}

/// The users whose source license the order moves, by id: every licensed
/// user in a full upgrade with license transfer, the named ones in a
/// partial one, nobody without license transfer.
pub fn moving_users(
    snapshot: &CustomerSnapshot,
    source: &Subscription,
    request: &UpgradeRequest,
    kind: OrderKind,
) -> BTreeSet<CustomerUserId> {
    if request.upgrade_type != UpgradeType::WithLicenseTransfer {
        return BTreeSet::new();
    }
    let licensed = snapshot
        .users
        .iter()
        .filter(|u| u.licenses.iter().any(|l| l.subscription_id == source.id))
        .map(|u| u.id);
    if kind.partial {
        let named: BTreeSet<_> = request.user_ids.iter().copied().collect();
        licensed.filter(|u| named.contains(u)).collect()
    } else {
        licensed.collect()
    }
}

/// Why the receiver named cannot take the seats, if it cannot. Checked
/// before the eligibility reasons: a wrong receiver is the more precise
/// answer (another channel's subscription of the target would otherwise be
/// reported as the conflict it causes).
pub fn receiver_refusal(
    source: &Subscription,
    target: &Offer,
    request: &UpgradeRequest,
    receiver: Option<&Subscription>,
) -> Option<Refusal> {
    let r = receiver?;
    let problem = receiver_problem(source, target, r).or_else(|| {
        request
            .billing_cycle
            .filter(|&c| c != r.billing_cycle)
            .map(|_| ReceiverProblem::CycleMismatch)
    })?;
    Some(Refusal::ReceiverUnsuitable { id: r.id, problem })
}

/// The first refusal specific to the kind of order, if any.
pub fn refusal(
    snapshot: &CustomerSnapshot,
    source: &Subscription,
    target: &Offer,
    eligibility: &TargetEligibility,
    request: &UpgradeRequest,
    receiver: Option<&Subscription>,
    moving: &BTreeSet<CustomerUserId>,
) -> Option<Refusal> {
    let kind = kind_of(request);
    let named = request.user_ids.len() as i64;
    if named > request.quantity {
        return Some(Refusal::TooManyUsers {
            named,
            quantity: request.quantity,
        });
    }
    if kind.partial {
        let missing: Vec<_> = request
            .user_ids
            .iter()
            .filter(|u| !moving.contains(u))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Some(Refusal::UsersNotOnSource(missing));
        }
    }
    let (min, max) = bounds(snapshot, source, target, eligibility, kind, receiver);
    if request.quantity > max {
        return Some(Refusal::QuantityAboveMaximum { min, max });
    }
    if request.quantity < min {
        return Some(Refusal::QuantityBelowMinimum { min, max });
    }
    if kind.partial {
        let remaining_seats = source.quantity - request.quantity;
        let remaining_users = users_on(snapshot, source) - moving.len() as i64;
        if remaining_users > remaining_seats {
            return Some(Refusal::SourceSeatsShort {
                remaining_seats,
                remaining_users,
            });
        }
    }
    None
}

/// Seats the source holds users for: its assigned seats or its licensed
/// users, whichever is larger.
fn users_on(snapshot: &CustomerSnapshot, source: &Subscription) -> i64 {
    let licensed = snapshot
        .users
        .iter()
        .filter(|u| u.licenses.iter().any(|l| l.subscription_id == source.id))
        .count() as i64;
    source.assigned_seats.max(licensed)
}

/// The quantities an order of `kind` accepts. A full upgrade takes at least
/// the source's seats (and a new subscription the target's minimum); a
/// partial one at least one seat (a new subscription: the target's minimum)
/// and fewer than the source's; a receiver takes up to the target's maximum
/// minus what it holds.
fn bounds(
    snapshot: &CustomerSnapshot,
    source: &Subscription,
    target: &Offer,
    eligibility: &TargetEligibility,
    kind: OrderKind,
    receiver: Option<&Subscription>,
) -> (i64, i64) {
    let held = receiver.map_or(0, |r| r.quantity);
    let mut max = eligibility.max_quantity - held;
    let min = match (kind.partial, receiver.is_some()) {
        (false, false) => eligibility.min_quantity,
        (false, true) => source.quantity.max(users_on(snapshot, source)),
        (true, false) => target.min_seats.max(1),
        (true, true) => 1,
    };
    if kind.partial {
        max = max.min(source.quantity - 1);
    }
    (min, max)
}

/// The seat counts, licenses and new subscription of an executed order.
pub struct Moves {
    pub licenses: LicenseMove,
    pub seats: Vec<SeatCount>,
    /// Users whose source license moved (or gave way to the receiver's).
    pub moved_count: i64,
}

/// What moves when `source` gives `quantity` seats and the `moving` users to
/// `target` (a new subscription when `receiver` is `None`).
pub fn moves(
    snapshot: &CustomerSnapshot,
    source: &Subscription,
    kind: OrderKind,
    quantity: i64,
    moving: &BTreeSet<CustomerUserId>,
    receiver: Option<&Subscription>,
) -> Moves {
    let (moved, dropped): (Vec<_>, Vec<_>) = match receiver {
        None => (moving.iter().copied().collect(), Vec::new()),
        Some(r) => moving.iter().copied().partition(|u| {
            !snapshot.users.iter().any(|user| {
                user.id == *u && user.licenses.iter().any(|l| l.subscription_id == r.id)
            })
        }),
    };
    let left_users = (source.assigned_seats - moving.len() as i64).max(0);
    let mut seats = Vec::new();
    if kind.partial {
        seats.push(SeatCount {
            id: source.id,
            quantity: source.quantity - quantity,
            assigned_seats: left_users,
        });
    } else if !moving.is_empty() {
        seats.push(SeatCount {
            id: source.id,
            quantity: source.quantity,
            assigned_seats: 0,
        });
    }
    if let Some(r) = receiver {
        seats.push(SeatCount {
            id: r.id,
            quantity: r.quantity + quantity,
            assigned_seats: r.assigned_seats + moved.len() as i64,
        });
    }
    // Users who already held the receiver count as moved: they now hold
    // only its license.
    let moved_count = moving.len() as i64;
    let licenses = if moving.is_empty() {
        LicenseMove::None
    } else if !kind.partial && receiver.is_none() {
        LicenseMove::All
    } else {
        LicenseMove::Users { moved, dropped }
    };
    Moves {
        licenses,
        seats,
        moved_count,
    }
}
