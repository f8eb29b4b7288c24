//! The migration report (seed 004 step 4): the user accounts that need extra
//! work after an upgrade, per account and service, with what to do.

use serde::{Deserialize, Serialize};

use crate::domain::catalog::{Catalog, Offer};
use crate::domain::ids::{CustomerUserId, SubscriptionId};
use crate::domain::model::{CustomerSnapshot, Subscription, UpgradeType, text_enum};
use crate::domain::text::Text;

text_enum!(/// Why an account needs work after the upgrade.
MigrationIssue {
    /// A service the user had switched off on the source is switched on in
    /// the target: such changes are not kept (seed 000).
    ServicePlansReset = "SERVICE_PLANS_RESET",
    /// The user also holds another subscription's license with an
    /// overlapping service: the assignment cannot be kept exactly (seed 000).
    OverlappingLicense = "OVERLAPPING_LICENSE",
    /// The user's sign-in is blocked: the license moves, but the user cannot
    /// use it until sign-in is unblocked.
    SignInBlocked = "SIGN_IN_BLOCKED",
    /// Upgrade only: the user's license was not moved and is lost with the
    /// cancelled source.
    LicenseNotMoved = "LICENSE_NOT_MOVED",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationItem {
    pub user_id: CustomerUserId,
    pub user_principal_name: String,
    /// The catalog service concerned; `None` for account-level issues.
    pub service_id: Option<String>,
    pub issue: MigrationIssue,
    /// The other subscription involved (overlapping licenses).
    pub other_subscription_id: Option<SubscriptionId>,
    /// What the partner should do, in one sentence; stored as a message id
    /// with its arguments, so each reader gets it in their language.
    pub remedy: Text,
}

/// Every account of `snapshot` licensed on `source` that needs work after an
/// upgrade to `target`, ordered by UPN, then issue, then service.
pub fn migration_report(
    catalog: &Catalog,
    snapshot: &CustomerSnapshot,
    source: &Subscription,
    target: &Offer,
    upgrade_type: UpgradeType,
) -> Vec<MigrationItem> {
    let mut items = Vec::new();
    let mut users: Vec<_> = snapshot
        .users
        .iter()
        .filter_map(|u| {
            let license = u.licenses.iter().find(|l| l.subscription_id == source.id)?;
            Some((u, license))
        })
        .collect();
    users.sort_by(|a, b| a.0.upn.cmp(&b.0.upn));

    for (user, license) in users {
        let item = |issue, service_id: Option<&str>, other, remedy: Text| MigrationItem {
            user_id: user.id,
            user_principal_name: user.upn.clone(),
            service_id: service_id.map(str::to_owned),
            issue,
            other_subscription_id: other,
            remedy,
        };
        if user.sign_in_blocked {
            items.push(item(
                MigrationIssue::SignInBlocked,
                None,
                None,
                Text::new("report-sign-in-blocked"),
            ));
        }
        if upgrade_type == UpgradeType::UpgradeOnly {
            items.push(item(
                MigrationIssue::LicenseNotMoved,
                None,
                None,
                Text::new("report-license-not-moved").arg("target", &target.name),
            ));
            continue;
        }
        for service in &license.disabled_services {
            if target.services.contains_key(service) {
                items.push(item(
                    MigrationIssue::ServicePlansReset,
                    Some(service),
                    None,
                    Text::new("report-service-reset")
                        .arg("service", service_name(catalog, service))
                        .arg("target", &target.name),
                ));
            }
        }
        for other in &user.licenses {
            if other.subscription_id == source.id {
                continue;
            }
            let Some(other_sub) = snapshot
                .subscriptions
                .iter()
                .find(|s| s.id == other.subscription_id)
            else {
                continue;
            };
            let Some(other_offer) = catalog.offer(&other_sub.offer_id) else {
                continue;
            };
            for service in other_offer.services.keys().filter(|s| {
                target.services.contains_key(*s) && !other.disabled_services.contains(*s)
            }) {
                items.push(item(
                    MigrationIssue::OverlappingLicense,
                    Some(service),
                    Some(other_sub.id),
                    Text::new("report-overlapping-license")
                        .arg("service", service_name(catalog, service))
                        .arg("offer", &other_offer.name)
                        .arg("subscription", other_sub.id.to_string()),
                ));
            }
        }
    }
    items
}

fn service_name<'a>(catalog: &'a Catalog, id: &'a str) -> &'a str {
    catalog.service(id).map_or(id, |s| s.name.as_str())
}
