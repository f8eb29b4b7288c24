//! Partners, their users, and their customers.

use std::collections::BTreeSet;

use super::{Checker, Index, label};
use crate::domain::dataset::raw::*;
use crate::domain::ids::*;
use crate::domain::limits;
use crate::domain::model::*;

impl Checker<'_> {
    pub(super) fn partner(&mut self, i: usize, r: &RawPartner) -> Option<Partner> {
        let record = label("partners", i, &r.id);
        let id = PartnerId::parse(&r.id).ok();
        let name = self.text(&record, "name", &r.name);
        Some(Partner {
            id: id?,
            name: name?,
        })
    }

    pub(super) fn partner_user(
        &mut self,
        index: &Index,
        i: usize,
        r: &RawPartnerUser,
    ) -> Option<PartnerUser> {
        let record = label("partner_users", i, &r.id);
        let id = PartnerUserId::parse(&r.id).ok();
        let partner = self.partner_ref(index, &record, "partner_id", &r.partner_id);
        let upn = self.upn(&record, &r.upn);
        let display_name = self.text(&record, "display_name", &r.display_name);
        let roles = self.enum_set(&record, "roles", &r.roles, Role::parse, Role::ALL);
        Some(PartnerUser {
            id: id?,
            partner_id: partner?,
            upn: upn?,
            display_name: display_name?,
            roles: roles?,
        })
    }

    pub(super) fn customer(
        &mut self,
        index: &Index,
        i: usize,
        r: &RawCustomer,
    ) -> Option<Customer> {
        let record = label("customers", i, &r.id);
        let id = CustomerId::parse(&r.id).ok();
        let partner = self.partner_ref(index, &record, "partner_id", &r.partner_id);
        let name = self.text(&record, "name", &r.name);
        let country = self.country(&record, &r.country);
        let segment = self.enum_value(&record, "segment", &r.segment, Segment::parse, Segment::ALL);
        let service_incidents = self.service_incidents(&record, &r.service_incidents);
        let delegated_admin = self.delegated_admin(&record, &r.delegated_admin);
        Some(Customer {
            id: id?,
            partner_id: partner?,
            name: name?,
            country: country?,
            segment: segment?,
            custom_domain: r.custom_domain,
            unpaid_balance: r.unpaid_balance,
            service_incidents: service_incidents?,
            delegated_admin: delegated_admin?,
        })
    }

    /// ISO 3166-1 alpha-2 as written in upper case; which codes exist is not
    /// checked (the rules only compare countries with offer markets).
    fn country(&mut self, record: &str, raw: &str) -> Option<String> {
        if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_uppercase()) {
            Some(raw.to_owned())
        } else {
            let message = format!(
                "not an ISO 3166 country code (two upper-case letters): {}",
                limits::quote(raw)
            );
            self.err(record, "country", message);
            None
        }
    }

    fn service_incidents(&mut self, record: &str, raws: &[String]) -> Option<BTreeSet<String>> {
        let mut set = BTreeSet::new();
        let mut ok = true;
        for (i, raw) in raws.iter().enumerate() {
            let field = format!("service_incidents[{i}]");
            if self.catalog.service(raw).is_none() {
                self.err(
                    record,
                    &field,
                    format!("unknown catalog service id {}", limits::quote(raw)),
                );
                ok = false;
            } else if !set.insert(raw.clone()) {
                self.err(
                    record,
                    &field,
                    format!("{} listed twice", limits::quote(raw)),
                );
            }
        }
        ok.then_some(set)
    }

    fn delegated_admin(&mut self, record: &str, r: &RawDelegatedAdmin) -> Option<DelegatedAdmin> {
        let status = self.enum_value(
            record,
            "delegated_admin.status",
            &r.status,
            RelationshipStatus::parse,
            RelationshipStatus::ALL,
        );
        let roles = self.enum_set(
            record,
            "delegated_admin.roles",
            &r.roles,
            DelegatedRole::parse,
            DelegatedRole::ALL,
        );
        // An expired relationship still says what it used to grant; a missing one grants nothing.
        if status == Some(RelationshipStatus::None) && !r.roles.is_empty() {
            let message = "a relationship with status NONE grants no roles";
            self.err(record, "delegated_admin.roles", message);
        }
        Some(DelegatedAdmin {
            status: status?,
            roles: roles?,
        })
    }
}
