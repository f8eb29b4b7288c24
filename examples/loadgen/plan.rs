//! What to send, worked out from the dataset file before any load starts:
//! the customers to check, the big customer to list, and for every regular
//! customer one upgrade its first subscription is eligible for (computed
//! with the service's own eligibility rules, so submissions succeed).

use std::path::Path;

use anyhow::{Context, bail};
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::dataset::Dataset;
use csp_upgrades::domain::eligibility;
use csp_upgrades::domain::eligibility::OrderKind;
use csp_upgrades::domain::ids::{
    CustomerId, CustomerUserId, OfferId, PartnerId, PartnerUserId, SubscriptionId,
};
use csp_upgrades::domain::model::{CustomerSnapshot, UpgradeType};
use csp_upgrades::domain::roles::{Caller, Principal};
use csp_upgrades::generate;

pub struct Plan {
    pub partner: PartnerId,
    /// The user the tokens are minted for.
    pub user: PartnerUserId,
    /// (customer, subscription) pairs of customers with `check_subs`
    /// subscriptions, checked in turn.
    pub checks: Vec<(CustomerId, SubscriptionId)>,
    pub check_subs: usize,
    /// The customer with the most subscriptions, and how many.
    pub big: (CustomerId, usize),
    /// One eligible upgrade per customer, each customer once: whole
    /// upgrades into a new subscription, and (on other customers, with
    /// `mixed`) partial upgrades and upgrades into an existing subscription
    /// (SPEC §8), so the three kinds are measured on the same data in one
    /// run.
    pub submits: Vec<Submit>,
    pub partial_submits: Vec<Submit>,
    pub into_submits: Vec<Submit>,
}

#[derive(Debug, Clone)]
pub struct Submit {
    pub customer: CustomerId,
    pub subscription: SubscriptionId,
    pub target: OfferId,
    pub quantity: i64,
    /// A partial upgrade: `quantity` seats move, with `users`.
    pub partial: bool,
    pub users: Vec<CustomerUserId>,
    /// Into this existing subscription of the target offer.
    pub into: Option<SubscriptionId>,
}

/// Reads and validates the dataset; `upn` names the partner user to act as.
/// With `mixed`, every customer that can take an upgrade into an existing
/// subscription is planned for one, and half of the others for a partial
/// upgrade; without, every customer gets a whole upgrade.
pub fn plan(
    path: &Path,
    catalog: &Catalog,
    upn: &str,
    check_customers: usize,
    mixed: bool,
) -> anyhow::Result<Plan> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let data = Dataset::from_json(&text)?
        .validate(catalog)
        .map_err(|e| anyhow::anyhow!("{} is invalid: {}", path.display(), e[0]))?;
    let user = data
        .partner_users
        .iter()
        .find(|u| u.upn.eq_ignore_ascii_case(upn))
        .with_context(|| format!("no partner user {upn} in the dataset"))?;
    let caller = Caller {
        partner_id: user.partner_id,
        principal: Principal::User {
            id: user.id,
            upn: user.upn.clone(),
            display_name: user.display_name.clone(),
        },
        roles: user.roles.clone(),
    };
    let snapshots: Vec<CustomerSnapshot> = generate::snapshots(&data)
        .into_iter()
        .filter(|s| s.customer.partner_id == user.partner_id)
        .collect();
    let Some(big) = snapshots.iter().max_by_key(|s| s.subscriptions.len()) else {
        bail!("the dataset has no customer of {upn}'s partner");
    };
    let big = (big.customer.id, big.subscriptions.len());
    let regular: Vec<&CustomerSnapshot> = snapshots
        .iter()
        .filter(|s| s.customer.id != big.0)
        .collect();
    // The most common size among regular customers: "a customer with M
    // subscriptions".
    let check_subs = regular.first().map_or(0, |s| s.subscriptions.len());
    let checks = regular
        .iter()
        .filter(|s| s.subscriptions.len() == check_subs)
        .take(check_customers)
        .flat_map(|s| s.subscriptions.iter().map(|x| (s.customer.id, x.id)))
        .collect();
    let now = chrono::Utc::now();
    let (mut submits, mut partial_submits, mut into_submits) = (Vec::new(), Vec::new(), Vec::new());
    // Few customers own a subscription that can receive seats, so every
    // one that does gets an upgrade into it; the others alternate between
    // partial and whole upgrades (a customer that cannot take a partial
    // one gets a whole one).
    for (i, s) in regular.iter().enumerate() {
        let kind = if !mixed {
            None
        } else if let Some(into) = into_existing(catalog, s, &caller, now) {
            Some((into, &mut into_submits))
        } else if i % 2 == 1 {
            partial_upgrade(catalog, s, &caller, now).map(|x| (x, &mut partial_submits))
        } else {
            None
        };
        match kind {
            Some((submit, list)) => list.push(submit),
            None => submits.extend(whole_upgrade(catalog, s, &caller, now)),
        }
    }
    Ok(Plan {
        partner: user.partner_id,
        user: user.id,
        checks,
        check_subs,
        big,
        submits,
        partial_submits,
        into_submits,
    })
}

/// The first subscription's first eligible target, all seats, with license
/// transfer.
fn whole_upgrade(
    catalog: &Catalog,
    s: &CustomerSnapshot,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Submit> {
    let first = s.subscriptions.first()?;
    let answer = eligibility::check(catalog, s, caller, now, first.id, None).ok()?;
    let target = answer
        .targets
        .into_iter()
        .find(|t| t.eligible && t.upgrade_types.contains(&UpgradeType::WithLicenseTransfer))?;
    Some(Submit {
        customer: s.customer.id,
        subscription: first.id,
        target: target.target,
        quantity: target.min_quantity,
        partial: false,
        users: Vec::new(),
        into: None,
    })
}

/// One seat of the first subscription that can spare one, with one of its
/// licensed users.
fn partial_upgrade(
    catalog: &Catalog,
    s: &CustomerSnapshot,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Submit> {
    s.subscriptions.iter().find_map(|sub| {
        let answer = eligibility::check(catalog, s, caller, now, sub.id, None).ok()?;
        let target = answer.targets.into_iter().find(|t| {
            t.partial_eligible
                && t.partial_max_quantity >= 1
                && t.caller_upgrade_types
                    .contains(&UpgradeType::WithLicenseTransfer)
        })?;
        let user = s
            .users
            .iter()
            .find(|u| u.licenses.iter().any(|l| l.subscription_id == sub.id))?;
        Some(Submit {
            customer: s.customer.id,
            subscription: sub.id,
            target: target.target,
            quantity: 1,
            partial: true,
            users: vec![user.id],
            into: None,
        })
    })
}

/// All seats of a subscription into an existing subscription of its
/// target, where the customer has one that can receive them.
fn into_existing(
    catalog: &Catalog,
    s: &CustomerSnapshot,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Submit> {
    let kind = OrderKind {
        partial: false,
        into_existing: true,
    };
    s.subscriptions.iter().find_map(|sub| {
        let answer = eligibility::check(catalog, s, caller, now, sub.id, None).ok()?;
        answer.targets.into_iter().find_map(|t| {
            if !t.blocking(kind).is_empty()
                || !t
                    .caller_upgrade_types
                    .contains(&UpgradeType::WithLicenseTransfer)
            {
                return None;
            }
            let receiver = t
                .receivers
                .iter()
                .find(|r| r.max_added_quantity >= t.min_quantity)?;
            Some(Submit {
                customer: s.customer.id,
                subscription: sub.id,
                target: t.target.clone(),
                quantity: t.min_quantity,
                partial: false,
                users: Vec::new(),
                into: Some(receiver.subscription.id),
            })
        })
    })
}
