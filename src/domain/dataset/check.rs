//! The validation pass: first every record's own id is read and indexed
//! (so references can be resolved in any order), then each record is checked
//! and converted. Every check reports into one list instead of returning
//! early, so a file with many mistakes is fixed in one round.

mod people;
mod subscriptions;

use std::collections::{BTreeSet, HashMap};
use std::fmt::Display;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::raw::*;
use super::{DatasetError, ValidDataset};
use crate::domain::catalog::{Catalog, Offer};
use crate::domain::ids::*;

impl Dataset {
    /// Checks the whole dataset against itself and the catalog. Returns the
    /// converted records, or every problem found (never only the first).
    pub fn validate(&self, catalog: &Catalog) -> Result<ValidDataset, Vec<DatasetError>> {
        let mut ck = Checker {
            catalog,
            errors: Vec::new(),
            upns: HashMap::new(),
        };
        let index = Index::build(self, &mut ck);
        let valid = ValidDataset {
            partners: convert(&self.partners, |i, r| ck.partner(i, r)),
            partner_users: convert(&self.partner_users, |i, r| ck.partner_user(&index, i, r)),
            customers: convert(&self.customers, |i, r| ck.customer(&index, i, r)),
            subscriptions: convert(&self.subscriptions, |i, r| ck.subscription(&index, i, r)),
            customer_users: convert(&self.customer_users, |i, r| ck.customer_user(&index, i, r)),
            orders: convert(&self.orders, |i, r| ck.order(&index, i, r)),
        };
        if ck.errors.is_empty() {
            Ok(valid)
        } else {
            Err(ck.errors)
        }
    }
}

/// Converts every record (so every record is checked), keeping those that
/// converted; the result is only used when no error was reported, and then
/// every record converted.
fn convert<R, T>(raws: &[R], mut f: impl FnMut(usize, &R) -> Option<T>) -> Vec<T> {
    raws.iter()
        .enumerate()
        .filter_map(|(i, r)| f(i, r))
        .collect()
}

/// `subscriptions[3] (id 4000...)`: the position always, the id when there is one.
fn label(kind: &str, i: usize, id: &str) -> String {
    if id.trim().is_empty() {
        format!("{kind}[{i}]")
    } else {
        format!("{kind}[{i}] (id {id})")
    }
}

/// Where each record's id points, for resolving references. A duplicate id
/// keeps its first record; the duplicate itself is reported.
#[derive(Default)]
struct Index<'d> {
    partners: HashMap<PartnerId, &'d RawPartner>,
    partner_users: HashMap<PartnerUserId, &'d RawPartnerUser>,
    customers: HashMap<CustomerId, &'d RawCustomer>,
    subscriptions: HashMap<SubscriptionId, &'d RawSubscription>,
}

impl<'d> Index<'d> {
    fn build(ds: &'d Dataset, ck: &mut Checker<'_>) -> Index<'d> {
        // All ids are UUIDs: one UUID naming two things (a customer and a
        // subscription, say) is a copy-paste mistake, so uniqueness is global.
        let mut seen: HashMap<Uuid, String> = HashMap::new();
        let mut claim = |ck: &mut Checker<'_>, record: &str, raw: &str| -> Option<Uuid> {
            let id = ck.uuid(record, "id", raw, |s| Uuid::parse_str(s).ok())?;
            if let Some(first) = seen.get(&id) {
                ck.err(
                    record,
                    "id",
                    format!("duplicate id: already used by {first}"),
                );
                return None;
            }
            seen.insert(id, record.to_owned());
            Some(id)
        };
        let mut index = Index::default();
        for (i, r) in ds.partners.iter().enumerate() {
            if let Some(id) = claim(ck, &label("partners", i, &r.id), &r.id) {
                index.partners.insert(PartnerId(id), r);
            }
        }
        for (i, r) in ds.partner_users.iter().enumerate() {
            if let Some(id) = claim(ck, &label("partner_users", i, &r.id), &r.id) {
                index.partner_users.insert(PartnerUserId(id), r);
            }
        }
        for (i, r) in ds.customers.iter().enumerate() {
            if let Some(id) = claim(ck, &label("customers", i, &r.id), &r.id) {
                index.customers.insert(CustomerId(id), r);
            }
        }
        for (i, r) in ds.subscriptions.iter().enumerate() {
            if let Some(id) = claim(ck, &label("subscriptions", i, &r.id), &r.id) {
                index.subscriptions.insert(SubscriptionId(id), r);
            }
        }
        for (i, r) in ds.customer_users.iter().enumerate() {
            claim(ck, &label("customer_users", i, &r.id), &r.id);
        }
        for (i, r) in ds.orders.iter().enumerate() {
            claim(ck, &label("orders", i, &r.id), &r.id);
        }
        index
    }
}

struct Checker<'c> {
    catalog: &'c Catalog,
    errors: Vec<DatasetError>,
    /// Lower-cased UPN -> the record that used it first. UPNs are unique
    /// across all tenants, so partner and customer users share one set.
    upns: HashMap<String, String>,
}

impl<'c> Checker<'c> {
    fn err(&mut self, record: &str, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(DatasetError {
            record: record.to_owned(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn uuid<T>(
        &mut self,
        record: &str,
        field: &str,
        raw: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(raw);
        if parsed.is_none() {
            self.err(record, field, format!("not a UUID: {raw:?}"));
        }
        parsed
    }

    /// One value of a closed text enum; the message lists the allowed values.
    fn enum_value<T: Copy + Display>(
        &mut self,
        record: &str,
        field: &str,
        raw: &str,
        parse: fn(&str) -> Option<T>,
        all: &[T],
    ) -> Option<T> {
        let parsed = parse(raw);
        if parsed.is_none() {
            let allowed: Vec<String> = all.iter().map(ToString::to_string).collect();
            self.err(
                record,
                field,
                format!("unknown value {raw:?} (allowed: {})", allowed.join(", ")),
            );
        }
        parsed
    }

    /// A list of enum values, as a set; a value listed twice is a mistake.
    fn enum_set<T: Copy + Display + Ord>(
        &mut self,
        record: &str,
        field: &str,
        raws: &[String],
        parse: fn(&str) -> Option<T>,
        all: &[T],
    ) -> Option<BTreeSet<T>> {
        let mut set = BTreeSet::new();
        let mut ok = true;
        for (i, raw) in raws.iter().enumerate() {
            let field = format!("{field}[{i}]");
            match self.enum_value(record, &field, raw, parse, all) {
                Some(v) if !set.insert(v) => {
                    self.err(record, &field, format!("{raw} listed twice"))
                }
                Some(_) => {}
                None => ok = false,
            }
        }
        ok.then_some(set)
    }

    fn time(&mut self, record: &str, field: &str, raw: &str) -> Option<DateTime<Utc>> {
        match DateTime::parse_from_rfc3339(raw) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(e) => {
                self.err(
                    record,
                    field,
                    format!("not an RFC 3339 timestamp: {raw:?} ({e})"),
                );
                None
            }
        }
    }

    fn text(&mut self, record: &str, field: &str, raw: &str) -> Option<String> {
        if raw.trim().is_empty() {
            self.err(record, field, "must not be empty");
            None
        } else {
            Some(raw.to_owned())
        }
    }

    /// A user principal name: `name@domain`, unique (case-insensitive) in the file.
    fn upn(&mut self, record: &str, raw: &str) -> Option<String> {
        let well_formed = raw.split_once('@').is_some_and(|(name, domain)| {
            !name.is_empty() && !domain.is_empty() && !domain.contains('@')
        }) && !raw.chars().any(char::is_whitespace);
        if !well_formed {
            self.err(
                record,
                "upn",
                format!("not a user principal name (name@domain): {raw:?}"),
            );
            return None;
        }
        let key = raw.to_lowercase();
        if let Some(first) = self.upns.get(&key) {
            let message = format!("duplicate UPN (case-insensitive): already used by {first}");
            self.err(record, "upn", message);
            return None;
        }
        self.upns.insert(key, record.to_owned());
        Some(raw.to_owned())
    }

    /// An offer id that the catalog knows.
    fn offer(&mut self, record: &str, field: &str, raw: &str) -> Option<&'c Offer> {
        let catalog = self.catalog;
        let found = OfferId::parse(raw).ok().and_then(|id| catalog.offer(&id));
        if found.is_none() {
            self.err(record, field, format!("unknown offer id {raw:?}"));
        }
        found
    }

    fn non_negative(&mut self, record: &str, field: &str, value: i64) -> Option<i64> {
        if value < 0 {
            self.err(record, field, format!("must not be negative, is {value}"));
            None
        } else {
            Some(value)
        }
    }

    fn partner_ref<'d>(
        &mut self,
        index: &Index<'d>,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<(PartnerId, &'d RawPartner)> {
        let id = self.uuid(record, field, raw, |s| PartnerId::parse(s).ok())?;
        let found = index.partners.get(&id).copied();
        if found.is_none() {
            self.err(
                record,
                field,
                format!("no partner with id {raw} in the file"),
            );
        }
        Some((id, found?))
    }

    fn partner_user_ref<'d>(
        &mut self,
        index: &Index<'d>,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<(PartnerUserId, &'d RawPartnerUser)> {
        let id = self.uuid(record, field, raw, |s| PartnerUserId::parse(s).ok())?;
        let found = index.partner_users.get(&id).copied();
        if found.is_none() {
            self.err(
                record,
                field,
                format!("no partner user with id {raw} in the file"),
            );
        }
        Some((id, found?))
    }

    fn customer_ref<'d>(
        &mut self,
        index: &Index<'d>,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<(CustomerId, &'d RawCustomer)> {
        let id = self.uuid(record, field, raw, |s| CustomerId::parse(s).ok())?;
        let found = index.customers.get(&id).copied();
        if found.is_none() {
            self.err(
                record,
                field,
                format!("no customer with id {raw} in the file"),
            );
        }
        Some((id, found?))
    }

    fn subscription_ref<'d>(
        &mut self,
        index: &Index<'d>,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<(SubscriptionId, &'d RawSubscription)> {
        let id = self.uuid(record, field, raw, |s| SubscriptionId::parse(s).ok())?;
        let found = index.subscriptions.get(&id).copied();
        if found.is_none() {
            self.err(
                record,
                field,
                format!("no subscription with id {raw} in the file"),
            );
        }
        Some((id, found?))
    }
}

/// Whether the owner id a referenced record names is a different one. A
/// malformed id is reported on that record itself, not again on every record
/// pointing at it, so it does not count as different.
fn differs<T: PartialEq>(raw: &str, parse: fn(&str) -> Result<T, IdError>, expected: &T) -> bool {
    parse(raw).is_ok_and(|id| &id != expected)
}
