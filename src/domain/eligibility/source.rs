//! Rules about the source subscription (SPEC §4, reasons 1-13). Each one
//! blocks every target, so they are checked once per source and repeated in
//! every target's answer.

use crate::domain::catalog::Offer;
use crate::domain::model::{
    Channel, OrderState, PaymentMethod, RelationshipStatus, Segment, Subscription,
    SubscriptionStatus,
};

use super::index::{SnapshotIndex, channel_text};
use super::reason::{Details, Reason, ReasonCode as Code, Remedy};
use crate::domain::text::Text;

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
            Text::new("reason-subscription-not-active")
                .arg("offer", &offer.name)
                .arg("status", Text::named("status", s.status.as_str())),
        )
        .with(Details::Status(s.status)),
    )
}

fn not_provisioned(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (!s.provisioned).then(|| {
        Reason::new(
            Code::SubscriptionNotProvisioned,
            Remedy::Wait,
            Text::new("reason-subscription-not-provisioned").arg("offer", &offer.name),
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
            Text::new("reason-service-incident")
                .arg("offer", &offer.name)
                .arg("services", names),
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
    let why = Text::new(match admin.status {
        RelationshipStatus::None => "delegated-admin-none",
        RelationshipStatus::Expired => "delegated-admin-expired",
        RelationshipStatus::Active => "delegated-admin-no-role",
    });
    Some(
        Reason::new(
            Code::DelegatedAdminMissing,
            Remedy::RequestDelegatedAdmin,
            Text::new("reason-delegated-admin-missing").arg("why", why),
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
            Text::new("reason-license-conflict")
                .arg("assigned", s.assigned_seats)
                .arg("offer", &offer.name)
                .arg("quantity", s.quantity),
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
    message: &'static str,
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
            Text::new(message)
                .arg("count", ids.len())
                .arg("orders", ids.clone()),
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
        "reason-upgrade-in-progress",
    )
}

fn credit_check_pending(ix: &SnapshotIndex<'_>, _: &Subscription, _: &Offer) -> Option<Reason> {
    open_order_reason(
        ix,
        OrderState::PendingCreditCheck,
        Code::CreditCheckPending,
        "reason-credit-check-pending",
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
    let through: Vec<Text> = channels.into_iter().map(channel_text).collect();
    Some(
        Reason::new(
            Code::DuplicatePlans,
            Remedy::ConsolidatePlans,
            Text::new("reason-duplicate-plans")
                .arg("count", dups.len())
                .arg("offer", &offer.name)
                .arg("channels", through),
        )
        .about(dups),
    )
}

fn prepaid(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (s.payment_method == PaymentMethod::Prepaid).then(|| {
        Reason::new(
            Code::PrepaidSubscription,
            Remedy::ChangePlanManually,
            Text::new("reason-prepaid-subscription").arg("offer", &offer.name),
        )
        .with(Details::PaymentMethod(s.payment_method))
    })
}

fn restricted_segment(_: &SnapshotIndex<'_>, _: &Subscription, offer: &Offer) -> Option<Reason> {
    matches!(offer.segment, Segment::Government | Segment::Nonprofit).then(|| {
        Reason::new(
            Code::RestrictedSegment,
            Remedy::ChangePlanManually,
            Text::new("reason-restricted-segment")
                .arg("offer", &offer.name)
                .arg("segment", Text::named("segment", offer.segment.as_str())),
        )
        .with(Details::Segment(offer.segment))
    })
}

fn unpaid_balance(ix: &SnapshotIndex<'_>, _: &Subscription, _: &Offer) -> Option<Reason> {
    ix.snapshot.customer.unpaid_balance.then(|| {
        Reason::new(
            Code::UnpaidBalance,
            Remedy::PayBalance,
            Text::new("reason-unpaid-balance"),
        )
    })
}

fn trial(_: &SnapshotIndex<'_>, s: &Subscription, offer: &Offer) -> Option<Reason> {
    (s.trial || offer.trial).then(|| {
        Reason::new(
            Code::TrialSubscription,
            Remedy::BuyPaidPlanFirst,
            Text::new("reason-trial-subscription").arg("offer", &offer.name),
        )
    })
}

fn no_upgrade_paths(ix: &SnapshotIndex<'_>, _: &Subscription, offer: &Offer) -> Option<Reason> {
    ix.catalog.paths_from(&offer.id).is_empty().then(|| {
        Reason::new(
            Code::NoUpgradePaths,
            Remedy::ChangePlanManually,
            Text::new("reason-no-upgrade-paths").arg("offer", &offer.name),
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
            Text::new("reason-bought-elsewhere")
                .arg("offer", &offer.name)
                .arg("channel", channel_text(s.channel)),
        )
        .with(Details::Channel(s.channel))
        .about([s])
    })
}
