//! Rules about the source subscription (SPEC §4, reasons 1-13). Each one
//! blocks every target, so they are checked once per source and repeated in
//! every target's answer.

use crate::domain::catalog::Offer;
use crate::domain::model::{
    Channel, OrderState, PaymentMethod, RelationshipStatus, Segment, Subscription,
    SubscriptionStatus,
};

use super::index::{SnapshotIndex, channel_label};
use super::reason::{Details, Reason, ReasonCode as Code, Remedy};

type Rule = fn(&SnapshotIndex<'_>, &Subscription, &Offer) -> Option<Reason>;

/// In code order; a source bought elsewhere comes last (its code is 18).
const RULES: &[Rule] = &[
    not_active,
    not_provisioned,
    service_incident,
    delegated_admin_missing,
    license_conflict,
    upgrade_in_progress,
    credit_check_pending,
    duplicate_plans,
    prepaid,
    restricted_segment,
    unpaid_balance,
    trial,
    no_upgrade_paths,
    bought_elsewhere,
];

/// Every source reason that applies, in code order.
pub(super) fn source_reasons(
    ix: &SnapshotIndex<'_>,
    source: &Subscription,
    offer: &Offer,
) -> Vec<Reason> {
    RULES
        .iter()
        .filter_map(|rule| rule(ix, source, offer))
        .collect()
}

/// True when no source rule applies. Stops at the first rule that does:
/// the "Upgrade now" hint needs no reasons, only whether there is one.
pub(super) fn no_source_reason(
    ix: &SnapshotIndex<'_>,
    source: &Subscription,
    offer: &Offer,
) -> bool {
    // Duplicates first: their reason lists every duplicate, and a customer
    // with many plans has many (one rule, two ways in; same answer).
    !has_duplicates(ix, offer) && RULES.iter().all(|rule| rule(ix, source, offer).is_none())
}

fn not_active(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    if s.status == SubscriptionStatus::Active {
        return None;
    }
    let remedy = match s.status {
        SubscriptionStatus::Pending => Remedy::Wait,
        SubscriptionStatus::Deleted => Remedy::ContactSupport,
        _ => Remedy::ReactivateSubscription,
    };
    Some(
        Reason::new(
            Code::SubscriptionNotActive,
            remedy,
            format!(
                "The {} subscription is {}; only an active subscription can be upgraded.",
                offer.name, s.status
            ),
        )
        .with(Details::Status(s.status)),
    )
}

fn not_provisioned(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (!s.provisioned).then(|| {
        Reason::new(
            Code::SubscriptionNotProvisioned,
            Remedy::Wait,
            format!(
                "The {} subscription is not fully set up yet; wait a few hours and try again.",
                offer.name
            ),
        )
    })
}

fn service_incident(ix: &SnapshotIndex<'_>, _: &Subscription, offer: &Offer) -> Option<Reason> {
    let incidents = &ix.snapshot.customer.service_incidents;
    let hit: Vec<&str> = offer
        .services
        .keys()
        .filter(|s| incidents.contains(*s))
        .map(String::as_str)
        .collect();
    if hit.is_empty() {
        return None;
    }
    let names: Vec<String> = hit.iter().map(|s| ix.service_name(s)).collect();
    Some(
        Reason::new(
            Code::ServiceIncident,
            Remedy::Wait,
            format!(
                "The {} subscription has a health incident in {} at this customer; wait until every service is healthy.",
                offer.name,
                names.join(", ")
            ),
        )
        .with(Details::ServiceIncident(
            hit.iter().map(|s| (*s).to_owned()).collect(),
        )),
    )
}

fn delegated_admin_missing(ix: &SnapshotIndex<'_>, _: &Subscription, _: &Offer) -> Option<Reason> {
    if !ix.upgrade_types.is_empty() {
        return None;
    }
    let admin = &ix.snapshot.customer.delegated_admin;
    let why = match admin.status {
        RelationshipStatus::None => {
            "this partner has no delegated admin relationship with the customer".to_owned()
        }
        RelationshipStatus::Expired => {
            "the delegated admin relationship with the customer has expired".to_owned()
        }
        RelationshipStatus::Active => {
            "the delegated admin relationship with the customer grants no role".to_owned()
        }
    };
    Some(
        Reason::new(
            Code::DelegatedAdminMissing,
            Remedy::RequestDelegatedAdmin,
            format!("No upgrade is possible because {why}; request or renew it."),
        )
        .with(Details::DelegatedAdmin {
            status: admin.status,
            roles: admin.roles.iter().copied().collect(),
            user_context: ix.caller_has_user_context,
        }),
    )
}

fn license_conflict(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (s.assigned_seats > s.quantity).then(|| {
        Reason::new(
            Code::LicenseConflict,
            Remedy::ResolveLicenseConflict,
            format!(
                "{} licenses of {} are assigned but only {} were bought; resolve the license conflict first.",
                s.assigned_seats, offer.name, s.quantity
            ),
        )
        .with(Details::LicenseConflict {
            quantity: s.quantity,
            assigned_seats: s.assigned_seats,
        })
    })
}

fn open_order_reason(
    ix: &SnapshotIndex<'_>,
    state: OrderState,
    code: Code,
    what: &str,
) -> Option<Reason> {
    let orders = ix.orders_in(state);
    if orders.is_empty() {
        return None;
    }
    let ids: Vec<String> = orders.iter().map(|o| o.id.to_string()).collect();
    let subs = orders
        .iter()
        .filter_map(|o| ix.subscription(o.source_subscription_id));
    Some(
        Reason::new(
            code,
            Remedy::Wait,
            format!(
                "Order {} of this customer {what}; wait until it has finished.",
                ids.join(", ")
            ),
        )
        .with(Details::OpenOrders(orders.iter().map(|o| o.id).collect()))
        .about(subs),
    )
}

fn upgrade_in_progress(ix: &SnapshotIndex<'_>, _: &Subscription, _: &Offer) -> Option<Reason> {
    open_order_reason(
        ix,
        OrderState::InProgress,
        Code::UpgradeInProgress,
        "is being processed",
    )
}

fn credit_check_pending(ix: &SnapshotIndex<'_>, _: &Subscription, _: &Offer) -> Option<Reason> {
    open_order_reason(
        ix,
        OrderState::PendingCreditCheck,
        Code::CreditCheckPending,
        "waits for a credit check (up to two working days)",
    )
}

/// Active subscriptions of `offer`, whatever channel they were bought
/// through (SPEC §4.8: users split over two plans of one offer block the
/// Upgrade tab wherever the second plan came from).
fn active_of_offer<'a, 'i>(
    ix: &'i SnapshotIndex<'a>,
    offer: &Offer,
) -> impl Iterator<Item = &'a Subscription> + use<'a, 'i> {
    ix.live_of_offer(&offer.id)
        .filter(|s| s.status == SubscriptionStatus::Active)
}

/// The condition of [`duplicate_plans`], without building its reason (which
/// names every duplicate): the hint tests it first.
fn has_duplicates(ix: &SnapshotIndex<'_>, offer: &Offer) -> bool {
    // Several add-ons of one offer on different bases are normal.
    !offer.add_on && active_of_offer(ix, offer).nth(1).is_some()
}

/// Seed 000: the Upgrade tab only works when all users are on one plan.
fn duplicate_plans(ix: &SnapshotIndex<'_>, _: &Subscription, offer: &Offer) -> Option<Reason> {
    if !has_duplicates(ix, offer) {
        return None;
    }
    let dups: Vec<&Subscription> = active_of_offer(ix, offer).collect();
    let mut channels: Vec<Channel> = dups.iter().map(|s| s.channel).collect();
    channels.sort();
    channels.dedup();
    let through: Vec<&str> = channels.iter().map(|&c| channel_label(c)).collect();
    Some(
        Reason::new(
            Code::DuplicatePlans,
            Remedy::ConsolidatePlans,
            format!(
                "The customer has {} active {} subscriptions (through {}); consolidate them into one before upgrading.",
                dups.len(),
                offer.name,
                through.join(" and ")
            ),
        )
        .about(dups),
    )
}

fn prepaid(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (s.payment_method == PaymentMethod::Prepaid).then(|| {
        Reason::new(
            Code::PrepaidSubscription,
            Remedy::ChangePlanManually,
            format!(
                "The {} subscription is prepaid or paid by product key; it can only be changed manually.",
                offer.name
            ),
        )
        .with(Details::PaymentMethod(s.payment_method))
    })
}

fn restricted_segment(_: &SnapshotIndex<'_>, _: &Subscription, offer: &Offer) -> Option<Reason> {
    matches!(offer.segment, Segment::Government | Segment::Nonprofit).then(|| {
        Reason::new(
            Code::RestrictedSegment,
            Remedy::ChangePlanManually,
            format!(
                "{} is a {} offer; it can only be changed manually.",
                offer.name,
                offer.segment.as_str().to_lowercase()
            ),
        )
        .with(Details::Segment(offer.segment))
    })
}

fn unpaid_balance(ix: &SnapshotIndex<'_>, _: &Subscription, _: &Offer) -> Option<Reason> {
    ix.snapshot.customer.unpaid_balance.then(|| {
        Reason::new(
            Code::UnpaidBalance,
            Remedy::PayBalance,
            "The customer has an unpaid balance; pay it, then check again.".to_owned(),
        )
    })
}

fn trial(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (s.trial || offer.trial).then(|| {
        Reason::new(
            Code::TrialSubscription,
            Remedy::BuyPaidPlanFirst,
            format!(
                "The {} subscription is a trial; buy the paid plan first, then upgrade.",
                offer.name
            ),
        )
    })
}

fn no_upgrade_paths(ix: &SnapshotIndex<'_>, _: &Subscription, offer: &Offer) -> Option<Reason> {
    ix.catalog.paths_from(&offer.id).is_empty().then(|| {
        Reason::new(
            Code::NoUpgradePaths,
            Remedy::ChangePlanManually,
            format!(
                "{} has no upgrade path; the plan can only be changed manually.",
                offer.name
            ),
        )
    })
}

/// This partner can only upgrade what it sold. A subscription bought through
/// another channel is reported with the multichannel code, whose remedy
/// (move the users to a plan bought here, cancel there) is the manual path.
fn bought_elsewhere(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (s.channel != Channel::ThisPartner).then(|| {
        Reason::new(
            Code::MultichannelConflict,
            Remedy::ChangePlanManually,
            format!(
                "The {} subscription was bought through {}; only that channel can upgrade it.",
                offer.name,
                channel_label(s.channel)
            ),
        )
        .with(Details::Channel(s.channel))
        .about([s])
    })
}
