//! Domain -> proto conversions for the read API. Enums convert by their
//! stable names: a proto value's name is its enum's prefix followed by the
//! domain value's text form (`PARTNER_ROLE_` + `GLOBAL_ADMIN`). A test checks
//! that every domain value has a proto value, so a new variant cannot
//! silently become `_UNSPECIFIED`.

use prost_types::Timestamp;

use super::pb;
use crate::domain::catalog::{Catalog, Offer, UpgradePath};
use crate::domain::model::{
    self, Customer, DelegatedRole, OrderSummary, RelationshipStatus, Subscription,
};
use crate::domain::roles::Caller;

pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

/// The proto value named `$prefix` + the domain value's name, as the i32
/// prost uses (0, `_UNSPECIFIED`, for a name the contract lacks).
macro_rules! by_name {
    ($pb:ty, $prefix:literal, $value:expr) => {
        <$pb>::from_str_name(&format!(concat!($prefix, "{}"), $value.as_str()))
            .map_or(0, |v| v as i32)
    };
}
pub(crate) use by_name;

pub fn role(r: model::Role) -> i32 {
    by_name!(pb::PartnerRole, "PARTNER_ROLE_", r)
}

pub fn permission(p: crate::domain::roles::Permission) -> i32 {
    by_name!(pb::Permission, "PERMISSION_", p)
}

pub fn segment(s: model::Segment) -> i32 {
    by_name!(pb::Segment, "SEGMENT_", s)
}

pub fn channel(c: model::Channel) -> i32 {
    by_name!(pb::Channel, "CHANNEL_", c)
}

pub fn status(s: model::SubscriptionStatus) -> i32 {
    by_name!(pb::SubscriptionStatus, "SUBSCRIPTION_STATUS_", s)
}

pub fn billing_cycle(c: model::BillingCycle) -> i32 {
    by_name!(pb::BillingCycle, "BILLING_CYCLE_", c)
}

pub fn payment_method(m: model::PaymentMethod) -> i32 {
    by_name!(pb::PaymentMethod, "PAYMENT_METHOD_", m)
}

pub fn upgrade_type(t: model::UpgradeType) -> i32 {
    by_name!(pb::UpgradeType, "UPGRADE_TYPE_", t)
}

pub fn relationship(s: RelationshipStatus) -> i32 {
    by_name!(pb::RelationshipStatus, "RELATIONSHIP_STATUS_", s)
}

pub fn delegated_role(r: DelegatedRole) -> i32 {
    by_name!(pb::DelegatedRole, "DELEGATED_ROLE_", r)
}

pub fn customer(c: &Customer) -> pb::Customer {
    pb::Customer {
        customer_id: c.id.to_string(),
        name: c.name.clone(),
        country: c.country.clone(),
        segment: segment(c.segment),
        custom_domain: c.custom_domain,
        unpaid_balance: c.unpaid_balance,
        service_health: c
            .service_incidents
            .iter()
            .map(|s| pb::ServiceHealth {
                service_id: s.clone(),
                incident: true,
            })
            .collect(),
        delegated_admin: Some(pb::DelegatedAdminRelationship {
            status: relationship(c.delegated_admin.status),
            roles: c
                .delegated_admin
                .roles
                .iter()
                .map(|r| delegated_role(*r))
                .collect(),
        }),
    }
}

/// A subscription, with its "Upgrade now" hint and the upgrade scheduled for
/// its renewal, if one waits (SPEC §9).
pub fn subscription(
    s: &Subscription,
    catalog: &Catalog,
    upgrade_available: bool,
    scheduled: Option<&OrderSummary>,
) -> pb::Subscription {
    pb::Subscription {
        subscription_id: s.id.to_string(),
        customer_id: s.customer_id.to_string(),
        offer_id: s.offer_id.to_string(),
        offer_name: catalog
            .offer(&s.offer_id)
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        channel: channel(s.channel),
        status: status(s.status),
        provisioned: s.provisioned,
        quantity: s.quantity,
        assigned_seats: s.assigned_seats,
        billing_cycle: billing_cycle(s.billing_cycle),
        payment_method: payment_method(s.payment_method),
        trial: s.trial,
        parent_subscription_id: s.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        billing_period_start_time: Some(timestamp(s.period_start)),
        billing_period_end_time: Some(timestamp(s.period_end)),
        upgrade_available,
        // It runs at the period end (where it was scheduled for).
        scheduled_upgrade: scheduled.map(|o| pb::ScheduledUpgrade {
            order_id: o.id.to_string(),
            target_offer_id: o.target_offer_id.to_string(),
            scheduled_time: Some(timestamp(s.period_end)),
        }),
    }
}

pub fn offer(o: &Offer, catalog: &Catalog, with_paths: bool) -> pb::Offer {
    pb::Offer {
        offer_id: o.id.to_string(),
        name: o.name.clone(),
        family: o.family.clone(),
        catalog: by_name!(pb::CatalogKind, "CATALOG_KIND_", o.catalog),
        market: o.market.clone(),
        segment: segment(o.segment),
        services: o
            .services
            .iter()
            .map(|(id, level)| {
                let service = catalog.service(id);
                pb::IncludedService {
                    service_id: id.clone(),
                    service_name: service.map(|s| s.name.clone()).unwrap_or_default(),
                    level: u32::from(*level),
                    level_name: service
                        .and_then(|s| s.levels.get(usize::from(*level).saturating_sub(1)))
                        .cloned()
                        .unwrap_or_default(),
                    data_related: service.is_some_and(|s| s.data_related),
                }
            })
            .collect(),
        add_on: o.add_on,
        base_offer_ids: o.bases.iter().map(|b| b.to_string()).collect(),
        min_seats: o.min_seats,
        max_seats: o.max_seats,
        billing_cycles: o.billing_cycles.iter().map(|c| billing_cycle(*c)).collect(),
        price: Some(pb::Money {
            amount: o.price.to_string(),
            currency: o.currency.clone(),
        }),
        available: o.available,
        trial: o.trial,
        upgrade_paths: if with_paths {
            catalog
                .paths_from(&o.id)
                .iter()
                .map(|p| upgrade_path(p, catalog))
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn upgrade_path(p: &UpgradePath, catalog: &Catalog) -> pb::UpgradePath {
    pb::UpgradePath {
        target_offer_id: p.to.to_string(),
        target_offer_name: catalog
            .offer(&p.to)
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        max_users: p.max_users.unwrap_or(0),
        custom_domain_blocks: p.custom_domain_blocks,
        one_way: p.one_way,
    }
}

pub fn caller(c: &Caller, partner_name: String) -> pb::Caller {
    use crate::domain::roles::Principal;
    let (user_id, upn, display_name, app_id) = match &c.principal {
        Principal::User {
            id,
            upn,
            display_name,
        } => (
            id.to_string(),
            upn.clone(),
            display_name.clone(),
            String::new(),
        ),
        Principal::App { app_id } => (String::new(), String::new(), String::new(), app_id.clone()),
    };
    pb::Caller {
        partner_id: c.partner_id.to_string(),
        partner_name,
        user_id,
        user_principal_name: upn,
        display_name,
        app_id,
        roles: c.roles.iter().map(|r| role(*r)).collect(),
        permissions: c.permissions().into_iter().map(permission).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::CatalogKind;
    use crate::domain::roles::Permission;

    /// Every domain enum value has a proto value of its own.
    #[test]
    fn every_domain_enum_value_maps_to_a_proto_value() {
        fn all_mapped<T: Copy + std::fmt::Debug>(all: &[T], f: impl Fn(T) -> i32) {
            let mut seen = std::collections::BTreeSet::new();
            for v in all {
                let n = f(*v);
                assert_ne!(n, 0, "{v:?} maps to _UNSPECIFIED");
                assert!(seen.insert(n), "{v:?} maps to a value used twice");
            }
        }
        all_mapped(model::Role::ALL, role);
        all_mapped(Permission::ALL, permission);
        all_mapped(model::Segment::ALL, segment);
        all_mapped(model::Channel::ALL, channel);
        all_mapped(model::SubscriptionStatus::ALL, status);
        all_mapped(model::BillingCycle::ALL, billing_cycle);
        all_mapped(model::PaymentMethod::ALL, payment_method);
        all_mapped(model::UpgradeType::ALL, upgrade_type);
        all_mapped(RelationshipStatus::ALL, relationship);
        all_mapped(DelegatedRole::ALL, delegated_role);
        all_mapped(CatalogKind::ALL, |k| {
            by_name!(pb::CatalogKind, "CATALOG_KIND_", k)
        });
    }
}
