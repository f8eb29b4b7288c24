//! What both backends' imports share: the statements (each a line) and the
//! order subscriptions are written in.

use std::collections::HashSet;

use super::ImportSummary;
use crate::domain::dataset::ValidDataset;
use crate::domain::ids::SubscriptionId;
use crate::domain::model::Subscription;

/// Orders subscriptions so that a base is written before its add-ons (the
/// parent foreign key is checked row by row). Keeps the dataset's order
/// otherwise; a cycle, which validation prevents, is left for the database
/// to refuse.
pub(super) fn parents_first(subscriptions: &[Subscription]) -> Vec<&Subscription> {
    let pending: HashSet<SubscriptionId> = subscriptions.iter().map(|s| s.id).collect();
    let mut written: HashSet<SubscriptionId> = HashSet::new();
    let mut ordered = Vec::with_capacity(subscriptions.len());
    let mut rest: Vec<&Subscription> = subscriptions.iter().collect();
    while !rest.is_empty() {
        let before = rest.len();
        rest.retain(|s| {
            let ready = s
                .parent_id
                .is_none_or(|p| !pending.contains(&p) || written.contains(&p));
            if ready {
                written.insert(s.id);
                ordered.push(*s);
            }
            !ready
        });
        if rest.len() == before {
            ordered.append(&mut rest);
        }
    }
    ordered
}

pub(super) const INSERT_PARTNER: &str = "INSERT INTO partners (id, name) VALUES ($1, $2)";

pub(super) const INSERT_PARTNER_USER: &str =
    "INSERT INTO partner_users (id, partner_id, upn, display_name) VALUES ($1, $2, $3, $4)";

pub(super) const INSERT_PARTNER_USER_ROLE: &str =
    "INSERT INTO partner_user_roles (user_id, role) VALUES ($1, $2)";

pub(super) const INSERT_CUSTOMER: &str = include_str!("sql/insert_customer.sql");

pub(super) const INSERT_DELEGATED_ROLE: &str =
    "INSERT INTO customer_delegated_roles (customer_id, role) VALUES ($1, $2)";

pub(super) const INSERT_INCIDENT: &str =
    "INSERT INTO customer_service_incidents (customer_id, service_id) VALUES ($1, $2)";

pub(super) const INSERT_CUSTOMER_USER: &str = include_str!("sql/insert_customer_user.sql");

pub(super) const INSERT_LICENSE: &str = include_str!("sql/insert_license.sql");

pub(super) const INSERT_IMPORTED_ORDER: &str = include_str!("sql/insert_imported_order.sql");

pub(super) const INSERT_ORDER_EVENT: &str =
    "INSERT INTO upgrade_order_events (order_id, seq, state, at, note) VALUES ($1, $2, $3, $4, $5)";

pub(super) fn summary(data: &ValidDataset) -> ImportSummary {
    ImportSummary {
        partners: data.partners.len(),
        partner_users: data.partner_users.len(),
        customers: data.customers.len(),
        subscriptions: data.subscriptions.len(),
        customer_users: data.customer_users.len(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::ids::{CustomerId, OfferId};
    use crate::domain::model::*;

    fn sub(id: SubscriptionId, parent: Option<SubscriptionId>) -> Subscription {
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        Subscription {
            id,
            customer_id: CustomerId::new_v4(),
            offer_id: OfferId::parse("o365-e3").unwrap(),
            channel: Channel::ThisPartner,
            status: SubscriptionStatus::Active,
            provisioned: true,
            quantity: 1,
            assigned_seats: 1,
            billing_cycle: BillingCycle::Monthly,
            payment_method: PaymentMethod::Invoice,
            trial: false,
            parent_id: parent,
            period_start: at,
            period_end: at,
            created_at: at,
        }
    }

    #[test]
    fn bases_come_before_their_add_ons() {
        let (a, b, c) = (
            SubscriptionId::new_v4(),
            SubscriptionId::new_v4(),
            SubscriptionId::new_v4(),
        );
        let outside = SubscriptionId::new_v4();
        // c is an add-on of b, an add-on of a; listed children first.
        let subs = vec![
            sub(c, Some(b)),
            sub(b, Some(a)),
            sub(a, None),
            sub(SubscriptionId::new_v4(), Some(outside)),
        ];
        let order: Vec<_> = parents_first(&subs).iter().map(|s| s.id).collect();
        assert_eq!(order.len(), 4);
        let pos = |id| order.iter().position(|x| *x == id).unwrap();
        assert!(pos(a) < pos(b) && pos(b) < pos(c));
    }

    #[test]
    fn a_cycle_is_kept_for_the_database_to_refuse() {
        let (a, b) = (SubscriptionId::new_v4(), SubscriptionId::new_v4());
        let subs = vec![sub(a, Some(b)), sub(b, Some(a))];
        assert_eq!(parents_first(&subs).len(), 2);
    }
}
