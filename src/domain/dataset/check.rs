//! The validation pass: first every record's own id is read and indexed
//! (so references can be resolved in any order), then each record is checked
//! and converted. Every check reports into one list instead of returning
//! early, so a file with many mistakes is fixed in one round.

mod people;
mod subscriptions;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Display;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::raw::*;
use super::{DatasetError, ValidDataset};
use crate::domain::catalog::{Catalog, Offer};
use crate::domain::ids::*;
use crate::domain::limits::{self, quote};

impl Dataset {
    /// Checks the whole dataset against itself and the catalog. Returns the
    /// converted records, or every problem found (never only the first).
    ///
    /// Takes the file: each list of text-typed records is converted and freed
    /// in turn, so the file's records and the converted ones are never all
    /// held at once (issue 16: for a 250,000-subscription export that was
    /// the peak of a sync). What checks of later lists read of earlier
    /// records is kept in the [`Index`].
    pub fn validate(self, catalog: &Catalog) -> Result<ValidDataset, Vec<DatasetError>> {
        let mut ck = Checker {
            catalog,
            errors: Vec::new(),
            upns: HashMap::new(),
        };
        let index = Index::build(&self, &mut ck);
        ck.customer_sizes(&self);
        let Dataset {
            partners,
            partner_users,
            customers,
            subscriptions,
            customer_users,
            orders,
        } = self;
        let valid = ValidDataset {
            partners: convert(partners, |i, r| ck.partner(i, r)),
            partner_users: convert(partner_users, |i, r| ck.partner_user(&index, i, r)),
            customers: convert(customers, |i, r| ck.customer(&index, i, r)),
            subscriptions: convert(subscriptions, |i, r| ck.subscription(&index, i, r)),
            customer_users: convert(customer_users, |i, r| ck.customer_user(&index, i, r)),
            orders: convert(orders, |i, r| ck.order(&index, i, r)),
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
/// every record converted. Each text-typed record is freed once converted.
fn convert<R, T>(raws: Vec<R>, mut f: impl FnMut(usize, &R) -> Option<T>) -> Vec<T> {
    raws.into_iter()
        .enumerate()
        .filter_map(|(i, r)| f(i, &r))
        .collect()
}

/// `subscriptions[3] (id 4000...)`: the position always, the id when there is one.
fn label(kind: &str, i: usize, id: &str) -> String {
    if id.trim().is_empty() {
        format!("{kind}[{i}]")
    } else if id.chars().count() > limits::QUOTED_CHARS {
        format!("{kind}[{i}] (id {})", quote(id))
    } else {
        format!("{kind}[{i}] (id {id})")
    }
}

/// What checks of records read of the records they name, by id: the
/// fields as the file wrote them. Copied out of the file (a few fields, not
/// whole records) so that [`Dataset::validate`] can free each list once it
/// is converted. A duplicate id keeps its first record; the duplicate itself
/// is reported.
#[derive(Default)]
struct Index {
    partners: HashSet<PartnerId>,
    partner_users: HashMap<PartnerUserId, Owned>,
    customers: HashMap<CustomerId, Owned>,
    subscriptions: HashMap<SubscriptionId, SubscriptionRef>,
}

/// A partner user's or customer's `partner_id`, as written.
struct Owned {
    partner_id: String,
}

/// A subscription's `customer_id` and `offer_id`, as written.
struct SubscriptionRef {
    customer_id: String,
    offer_id: String,
}

impl Index {
    fn build(ds: &Dataset, ck: &mut Checker<'_>) -> Index {
        // Two passes, the ids checked first: the set of every id seen and
        // the references' fields are then never held at once (~35 and
        // ~45 MiB of a 250,000-subscription export, beside the whole file's
        // records: the peak of a sync).
        let claimed = Claimed::check(ds, ck);
        let mut index = Index::default();
        for id in claimed.partners.into_iter().flatten() {
            index.partners.insert(PartnerId(id));
        }
        for (r, id) in ds.partner_users.iter().zip(claimed.partner_users) {
            if let Some(id) = id {
                let owner = Owned {
                    partner_id: r.partner_id.clone(),
                };
                index.partner_users.insert(PartnerUserId(id), owner);
            }
        }
        for (r, id) in ds.customers.iter().zip(claimed.customers) {
            if let Some(id) = id {
                let owner = Owned {
                    partner_id: r.partner_id.clone(),
                };
                index.customers.insert(CustomerId(id), owner);
            }
        }
        for (r, id) in ds.subscriptions.iter().zip(claimed.subscriptions) {
            if let Some(id) = id {
                let sub = SubscriptionRef {
                    customer_id: r.customer_id.clone(),
                    offer_id: r.offer_id.clone(),
                };
                index.subscriptions.insert(SubscriptionId(id), sub);
            }
        }
        index
    }
}

/// Each record's id, by position, when it is a UUID that no earlier record
/// uses (of the lists other records refer to).
struct Claimed {
    partners: Vec<Option<Uuid>>,
    partner_users: Vec<Option<Uuid>>,
    customers: Vec<Option<Uuid>>,
    subscriptions: Vec<Option<Uuid>>,
}

impl Claimed {
    fn check(ds: &Dataset, ck: &mut Checker<'_>) -> Claimed {
        // All ids are UUIDs: one UUID naming two things (a customer and a
        // subscription, say) is a copy-paste mistake, so uniqueness is global.
        // The first record of each id is kept as its list and position, its
        // label made only for a duplicate (with a label per id, this set was
        // ~80 MiB of a 250,000-subscription export; it is ~35 MiB). Sized up
        // front: growing it holds the old table and the new one at once.
        let lists: [Vec<&str>; 6] = [
            ds.partners.iter().map(|r| r.id.as_str()).collect(),
            ds.partner_users.iter().map(|r| r.id.as_str()).collect(),
            ds.customers.iter().map(|r| r.id.as_str()).collect(),
            ds.subscriptions.iter().map(|r| r.id.as_str()).collect(),
            ds.customer_users.iter().map(|r| r.id.as_str()).collect(),
            ds.orders.iter().map(|r| r.id.as_str()).collect(),
        ];
        let kinds = [
            "partners",
            "partner_users",
            "customers",
            "subscriptions",
            "customer_users",
            "orders",
        ];
        let mut seen: HashMap<Uuid, (usize, usize)> =
            HashMap::with_capacity(lists.iter().map(Vec::len).sum());
        // Per list, per record: its id, when it claimed it.
        let mut claimed: Vec<Vec<Option<Uuid>>> = Vec::new();
        for (list, ids) in lists.iter().enumerate() {
            let mut ok = Vec::with_capacity(ids.len());
            for (i, raw) in ids.iter().enumerate() {
                let record = label(kinds[list], i, raw);
                let id = ck.uuid(&record, "id", raw, |s| Uuid::parse_str(s).ok());
                let first = id.and_then(|id| seen.get(&id).copied());
                if let Some((first_list, first)) = first {
                    let first = label(kinds[first_list], first, lists[first_list][first]);
                    ck.err(
                        &record,
                        "id",
                        format!("duplicate id: already used by {first}"),
                    );
                    ok.push(None);
                } else {
                    if let Some(id) = id {
                        seen.insert(id, (list, i));
                    }
                    ok.push(id);
                }
            }
            claimed.push(ok);
        }
        let mut claimed = claimed.into_iter();
        let mut next = || claimed.next().unwrap_or_default();
        Claimed {
            partners: next(),
            partner_users: next(),
            customers: next(),
            subscriptions: next(),
        }
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
    /// Customers holding more subscriptions or users than one customer may:
    /// eligibility reads a whole customer at once (`docs/limits.md`).
    fn customer_sizes(&mut self, ds: &Dataset) {
        let count = |ids: &mut dyn Iterator<Item = &str>| {
            let mut counts: HashMap<CustomerId, usize> = HashMap::new();
            for id in ids.filter_map(|id| CustomerId::parse(id).ok()) {
                *counts.entry(id).or_default() += 1;
            }
            counts
        };
        let subscriptions = count(&mut ds.subscriptions.iter().map(|s| s.customer_id.as_str()));
        let users = count(&mut ds.customer_users.iter().map(|u| u.customer_id.as_str()));
        for (i, c) in ds.customers.iter().enumerate() {
            let Ok(id) = CustomerId::parse(&c.id) else {
                continue;
            };
            for (field, counts, max) in [
                (
                    "subscriptions",
                    &subscriptions,
                    limits::MAX_SUBSCRIPTIONS_PER_CUSTOMER,
                ),
                ("users", &users, limits::MAX_USERS_PER_CUSTOMER),
            ] {
                let n = counts.get(&id).copied().unwrap_or(0);
                if n > max {
                    let message = format!("has {n} {field}; one customer may have at most {max}");
                    self.err(&label("customers", i, &c.id), field, message);
                }
            }
        }
    }

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
            self.err(record, field, format!("not a UUID: {}", quote(raw)));
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
                format!(
                    "unknown value {} (allowed: {})",
                    quote(raw),
                    allowed.join(", ")
                ),
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
                    self.err(record, &field, format!("{} listed twice", quote(raw)))
                }
                Some(_) => {}
                None => ok = false,
            }
        }
        ok.then_some(set)
    }

    fn time(&mut self, record: &str, field: &str, raw: &str) -> Option<DateTime<Utc>> {
        match DateTime::parse_from_rfc3339(raw) {
            Ok(t) if limits::in_range(&t.to_utc()) => Some(t.to_utc()),
            Ok(_) => {
                let message = "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z";
                self.err(record, field, message);
                None
            }
            Err(e) => {
                self.err(
                    record,
                    field,
                    format!("not an RFC 3339 timestamp: {} ({e})", quote(raw)),
                );
                None
            }
        }
    }

    /// A name: not blank, at most [`limits::MAX_NAME_CHARS`], no NUL.
    fn text(&mut self, record: &str, field: &str, raw: &str) -> Option<String> {
        if raw.trim().is_empty() {
            self.err(record, field, "must not be empty");
            None
        } else if let Some(problem) = limits::text_problem(raw, limits::MAX_NAME_CHARS) {
            self.err(record, field, problem);
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
                format!("not a user principal name (name@domain): {}", quote(raw)),
            );
            return None;
        }
        if let Some(problem) = limits::text_problem(raw, limits::MAX_UPN_CHARS) {
            self.err(record, "upn", problem);
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
            self.err(record, field, format!("unknown offer id {}", quote(raw)));
        }
        found
    }

    /// A number of seats, from `min` to [`limits::MAX_SEATS`].
    fn seats(&mut self, record: &str, field: &str, value: i64, min: i64) -> Option<i64> {
        if (min..=limits::MAX_SEATS).contains(&value) {
            Some(value)
        } else {
            let message = format!(
                "must be between {min} and {} seats, is {value}",
                limits::MAX_SEATS
            );
            self.err(record, field, message);
            None
        }
    }

    fn partner_ref(
        &mut self,
        index: &Index,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<PartnerId> {
        let id = self.uuid(record, field, raw, |s| PartnerId::parse(s).ok())?;
        let found = index.partners.contains(&id);
        if !found {
            self.err(
                record,
                field,
                format!("no partner with id {raw} in the file"),
            );
        }
        found.then_some(id)
    }

    fn partner_user_ref<'i>(
        &mut self,
        index: &'i Index,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<(PartnerUserId, &'i Owned)> {
        let id = self.uuid(record, field, raw, |s| PartnerUserId::parse(s).ok())?;
        let found = index.partner_users.get(&id);
        if found.is_none() {
            self.err(
                record,
                field,
                format!("no partner user with id {raw} in the file"),
            );
        }
        Some((id, found?))
    }

    fn customer_ref<'i>(
        &mut self,
        index: &'i Index,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<(CustomerId, &'i Owned)> {
        let id = self.uuid(record, field, raw, |s| CustomerId::parse(s).ok())?;
        let found = index.customers.get(&id);
        if found.is_none() {
            self.err(
                record,
                field,
                format!("no customer with id {raw} in the file"),
            );
        }
        Some((id, found?))
    }

    fn subscription_ref<'i>(
        &mut self,
        index: &'i Index,
        record: &str,
        field: &str,
        raw: &str,
    ) -> Option<(SubscriptionId, &'i SubscriptionRef)> {
        let id = self.uuid(record, field, raw, |s| SubscriptionId::parse(s).ok())?;
        let found = index.subscriptions.get(&id);
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
