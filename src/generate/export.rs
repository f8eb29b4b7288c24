//! Typed records back to the file format of `docs/dataset.md`, so generated
//! data goes through the same `import` (and validation) as any other file.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::dataset::*;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn to_raw(data: &ValidDataset) -> Dataset {
    Dataset {
        partners: data
            .partners
            .iter()
            .map(|p| RawPartner {
                id: p.id.to_string(),
                name: p.name.clone(),
            })
            .collect(),
        partner_users: data
            .partner_users
            .iter()
            .map(|u| RawPartnerUser {
                id: u.id.to_string(),
                partner_id: u.partner_id.to_string(),
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
                roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            })
            .collect(),
        customers: data
            .customers
            .iter()
            .map(|c| RawCustomer {
                id: c.id.to_string(),
                partner_id: c.partner_id.to_string(),
                name: c.name.clone(),
                country: c.country.clone(),
                segment: c.segment.as_str().to_owned(),
                custom_domain: c.custom_domain,
                unpaid_balance: c.unpaid_balance,
                service_incidents: c.service_incidents.iter().cloned().collect(),
                delegated_admin: RawDelegatedAdmin {
                    status: c.delegated_admin.status.as_str().to_owned(),
                    roles: c
                        .delegated_admin
                        .roles
                        .iter()
                        .map(|r| r.as_str().to_owned())
                        .collect(),
                },
            })
            .collect(),
        subscriptions: data
            .subscriptions
            .iter()
            .map(|s| RawSubscription {
                id: s.id.to_string(),
                customer_id: s.customer_id.to_string(),
                offer_id: s.offer_id.to_string(),
                channel: s.channel.as_str().to_owned(),
                status: s.status.as_str().to_owned(),
                provisioned: s.provisioned,
                quantity: s.quantity,
                assigned_seats: s.assigned_seats,
                billing_cycle: s.billing_cycle.as_str().to_owned(),
                payment_method: s.payment_method.as_str().to_owned(),
                trial: s.trial,
                parent_id: s.parent_id.map(|p| p.to_string()),
                period_start: time(s.period_start),
                period_end: time(s.period_end),
                created_at: Some(time(s.created_at)),
            })
            .collect(),
        customer_users: data
            .customer_users
            .iter()
            .map(|u| RawCustomerUser {
                id: u.id.to_string(),
                customer_id: u.customer_id.to_string(),
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
                sign_in_blocked: u.sign_in_blocked,
                licenses: u
                    .licenses
                    .iter()
                    .map(|l| RawLicense {
                        subscription_id: l.subscription_id.to_string(),
                        disabled_services: l.disabled_services.iter().cloned().collect(),
                    })
                    .collect(),
            })
            .collect(),
        orders: data
            .orders
            .iter()
            .map(|o| RawOrder {
                id: o.summary.id.to_string(),
                partner_id: o.partner_id.to_string(),
                customer_id: o.summary.customer_id.to_string(),
                source_subscription_id: o.summary.source_subscription_id.to_string(),
                target_offer_id: o.summary.target_offer_id.to_string(),
                quantity: o.quantity,
                upgrade_type: o.upgrade_type.as_str().to_owned(),
                state: o.summary.state.as_str().to_owned(),
                submitted_by: o.submitted_by.to_string(),
                created_at: time(o.summary.created_at),
            })
            .collect(),
    }
}
