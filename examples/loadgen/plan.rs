//! What to send, worked out from the dataset file before any load starts:
//! the customers to check, the big customer to list, and for every regular
//! customer one upgrade its first subscription is eligible for (computed
//! with the service's own eligibility rules, so submissions succeed).

use std::path::Path;

use anyhow::{Context, bail};
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::dataset::Dataset;
use csp_upgrades::domain::eligibility;
use csp_upgrades::domain::ids::{CustomerId, OfferId, PartnerId, PartnerUserId, SubscriptionId};
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
    /// One eligible upgrade per customer, each customer once.
    pub submits: Vec<Submit>,
}

#[derive(Debug, Clone)]
pub struct Submit {
    pub customer: CustomerId,
    pub subscription: SubscriptionId,
    pub target: OfferId,
    pub quantity: i64,
}

/// Reads and validates the dataset; `upn` names the partner user to act as.
pub fn plan(
    path: &Path,
    catalog: &Catalog,
    upn: &str,
    check_customers: usize,
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
    let submits = regular
        .iter()
        .filter_map(|s| {
            let first = s.subscriptions.first()?;
            let answer = eligibility::check(catalog, s, &caller, now, first.id, None).ok()?;
            let target = answer.targets.into_iter().find(|t| {
                t.eligible && t.upgrade_types.contains(&UpgradeType::WithLicenseTransfer)
            })?;
            Some(Submit {
                customer: s.customer.id,
                subscription: first.id,
                target: target.target,
                quantity: target.min_quantity,
            })
        })
        .collect();
    Ok(Plan {
        partner: user.partner_id,
        user: user.id,
        checks,
        check_subs,
        big,
        submits,
    })
}
