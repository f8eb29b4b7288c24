//! Sync (SPEC §11): the change set that turns what the service holds for a
//! partner into what the partner's fresh export says.
//!
//! The file is the partner's complete current state. Records it holds that
//! the service does not are inserted; records both hold are compared field
//! by field and updated when any field differs; subscriptions the service
//! holds that the file does not are marked `DELETED` (kept: an order may
//! refer to them); customer users the file does not hold are removed with
//! their licenses (nothing else refers to a customer user, and removing one
//! frees its UPN for a new account). Customers are never removed: one
//! missing from the file loses its subscriptions and users that way.
//! Partner users, their roles and orders are not part of a sync.
//!
//! Pure: the caller loads [`Stored`] under the customers' locks and has
//! storage apply the [`ChangeSet`] in the same transaction.

mod report;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};

pub use report::{Counts, KindCounts, RecordChange, Report};

use super::catalog::Catalog;
use super::dataset::{Dataset, DatasetError, ValidDataset};
use super::ids::*;
use super::model::*;

#[cfg(test)]
mod tests;

/// What the service holds for one partner, as a sync compares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub customers: Vec<Customer>,
    /// Every subscription of the partner's customers, `DELETED` ones too.
    pub subscriptions: Vec<Subscription>,
    pub users: Vec<CustomerUser>,
}

/// One partner's part of a validated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub partner: Partner,
    pub customers: Vec<Customer>,
    pub subscriptions: Vec<Subscription>,
    pub users: Vec<CustomerUser>,
    /// Records of the file a sync does not apply: partner users and orders.
    pub ignored: usize,
}

/// A record that exists on both sides and differs: the file's version, and
/// the names of the fields that differ (as the dataset format names them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated<T> {
    pub record: T,
    pub fields: Vec<&'static str>,
}

/// What a sync does to one kind of record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes<T> {
    pub inserted: Vec<T>,
    pub updated: Vec<Updated<T>>,
    /// The stored records the file no longer holds. Subscriptions: marked
    /// `DELETED`; customer users: removed. Always empty for customers.
    pub deleted: Vec<T>,
}

impl<T> Default for Changes<T> {
    fn default() -> Self {
        Changes {
            inserted: Vec::new(),
            updated: Vec::new(),
            deleted: Vec::new(),
        }
    }
}

impl<T> Changes<T> {
    pub fn is_empty(&self) -> bool {
        self.inserted.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }
}

/// Everything a sync of one partner writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    pub partner_id: PartnerId,
    pub customers: Changes<Customer>,
    pub subscriptions: Changes<Subscription>,
    pub users: Changes<CustomerUser>,
}

impl ChangeSet {
    /// True when the file says what the service already holds.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.subscriptions.is_empty() && self.users.is_empty()
    }

    /// Every customer the change set writes to (whose cached snapshots go
    /// stale and whose lock it needs).
    pub fn customers_touched(&self) -> BTreeSet<CustomerId> {
        let mut touched = BTreeSet::new();
        touched.extend(self.customers.inserted.iter().map(|c| c.id));
        touched.extend(self.customers.updated.iter().map(|c| c.record.id));
        touched.extend(self.subscriptions.inserted.iter().map(|s| s.customer_id));
        touched.extend(
            self.subscriptions
                .updated
                .iter()
                .map(|s| s.record.customer_id),
        );
        touched.extend(self.users.inserted.iter().map(|u| u.customer_id));
        touched.extend(self.users.updated.iter().map(|u| u.record.customer_id));
        touched.extend(self.subscriptions.deleted.iter().map(|s| s.customer_id));
        touched.extend(self.users.deleted.iter().map(|u| u.customer_id));
        touched
    }
}

/// Reads an export as `import` does (the whole file is refused for any
/// error, each naming its record and field) and picks `partner`'s records.
pub fn read(
    json: &str,
    catalog: &Catalog,
    partner: Option<PartnerId>,
) -> Result<Wanted, Vec<DatasetError>> {
    let file = Dataset::from_json(json)
        .map_err(|e| vec![e])?
        .validate(catalog)?;
    select(file, partner).map_err(|e| vec![e])
}

/// [`read`] of a file parsed as it is read (never held whole as text).
pub fn read_from(
    reader: impl std::io::Read,
    catalog: &Catalog,
    partner: Option<PartnerId>,
) -> Result<Wanted, Vec<DatasetError>> {
    let file = Dataset::from_reader(reader)
        .map_err(|e| vec![e])?
        .validate(catalog)?;
    select(file, partner).map_err(|e| vec![e])
}

/// Picks `partner`'s records out of a validated file. Without `partner`,
/// the file must hold exactly one partner. An error names the `partners`
/// record (or says which partner is missing).
pub fn select(file: ValidDataset, partner: Option<PartnerId>) -> Result<Wanted, DatasetError> {
    let chosen = match partner {
        Some(id) => file.partners.iter().find(|p| p.id == id).cloned(),
        None if file.partners.len() == 1 => file.partners.first().cloned(),
        None => {
            return Err(DatasetError {
                record: "partners".into(),
                field: String::new(),
                message: format!(
                    "the file holds {} partners: name the one to sync (--partner)",
                    file.partners.len()
                ),
            });
        }
    };
    let Some(chosen) = chosen else {
        return Err(DatasetError {
            record: "partners".into(),
            field: String::new(),
            message: format!(
                "no partner with id {} in the file",
                partner.map(|p| p.to_string()).unwrap_or_default()
            ),
        });
    };
    let ignored = file.partner_users.len() + file.orders.len();
    let customers: Vec<Customer> = file
        .customers
        .into_iter()
        .filter(|c| c.partner_id == chosen.id)
        .collect();
    let ours: HashSet<CustomerId> = customers.iter().map(|c| c.id).collect();
    Ok(Wanted {
        partner: chosen,
        subscriptions: file
            .subscriptions
            .into_iter()
            .filter(|s| ours.contains(&s.customer_id))
            .collect(),
        users: file
            .customer_users
            .into_iter()
            .filter(|u| ours.contains(&u.customer_id))
            .collect(),
        customers,
        ignored,
    })
}

/// The change set from `stored` to `wanted`, or the records that cannot be
/// synced: a subscription or user that the service holds under another
/// customer (records never move between customers).
///
/// Takes the file's records: those written move into the change set (a
/// first sync inserts them all) and the others are freed as they are
/// compared, instead of the change set copying them (issue 16: a copy of
/// a 250,000-subscription partner's records took its peak over 500 MiB).
pub fn diff(wanted: Wanted, stored: &Stored) -> Result<ChangeSet, Vec<DatasetError>> {
    let mut errors = Vec::new();
    let old_subs: HashMap<SubscriptionId, &Subscription> =
        stored.subscriptions.iter().map(|s| (s.id, s)).collect();
    for (i, s) in wanted.subscriptions.iter().enumerate() {
        if let Some(old) = old_subs.get(&s.id)
            && old.customer_id != s.customer_id
        {
            errors.push(moved("subscriptions", i, s.id, old.customer_id));
        }
    }
    drop(old_subs);
    let old_users: HashMap<CustomerUserId, &CustomerUser> =
        stored.users.iter().map(|u| (u.id, u)).collect();
    for (i, u) in wanted.users.iter().enumerate() {
        if let Some(old) = old_users.get(&u.id)
            && old.customer_id != u.customer_id
        {
            errors.push(moved("customer_users", i, u.id, old.customer_id));
        }
    }
    drop(old_users);
    if !errors.is_empty() {
        return Err(errors);
    }
    let customers = diff_kind(
        wanted.customers,
        &stored.customers,
        |c| c.id,
        customer_fields,
        |_| true,
    );
    let subscriptions = diff_kind(
        wanted.subscriptions,
        &stored.subscriptions,
        |s| s.id,
        subscription_fields,
        // Already marked: nothing to do again.
        |s| s.status != SubscriptionStatus::Deleted,
    );
    let users = diff_kind(wanted.users, &stored.users, |u| u.id, user_fields, |_| true);
    Ok(ChangeSet {
        partner_id: wanted.partner.id,
        customers: Changes {
            deleted: Vec::new(),
            ..customers
        },
        subscriptions,
        users,
    })
}

fn moved(kind: &str, i: usize, id: impl std::fmt::Display, was: CustomerId) -> DatasetError {
    DatasetError {
        record: format!("{kind}[{i}] (id {id})"),
        field: "customer_id".into(),
        message: format!(
            "the service holds this record under customer {was}; records never move between customers"
        ),
    }
}

/// Inserts, updates (with the differing fields) and deletions of one kind;
/// a stored record missing from the file is deleted when `deletable` says so.
fn diff_kind<T: Clone, Id: Copy + Eq + std::hash::Hash>(
    wanted: Vec<T>,
    stored: &[T],
    id: impl Fn(&T) -> Id,
    fields: impl Fn(&T, &T) -> Vec<&'static str>,
    deletable: impl Fn(&T) -> bool,
) -> Changes<T> {
    let old: HashMap<Id, &T> = stored.iter().map(|r| (id(r), r)).collect();
    let mut changes = Changes::default();
    let mut seen = HashSet::with_capacity(wanted.len());
    for new in wanted {
        seen.insert(id(&new));
        match old.get(&id(&new)) {
            None => changes.inserted.push(new),
            Some(old) => {
                let differ = fields(old, &new);
                if !differ.is_empty() {
                    changes.updated.push(Updated {
                        record: new,
                        fields: differ,
                    });
                }
            }
        }
    }
    changes.deleted = stored
        .iter()
        .filter(|r| !seen.contains(&id(r)) && deletable(r))
        .cloned()
        .collect();
    changes
}

/// The fields named as `docs/dataset.md` names them, when they differ.
fn differing<const N: usize>(checks: [(&'static str, bool); N]) -> Vec<&'static str> {
    checks
        .into_iter()
        .filter_map(|(name, same)| (!same).then_some(name))
        .collect()
}

fn customer_fields(a: &Customer, b: &Customer) -> Vec<&'static str> {
    differing([
        ("name", a.name == b.name),
        ("country", a.country == b.country),
        ("segment", a.segment == b.segment),
        ("custom_domain", a.custom_domain == b.custom_domain),
        ("unpaid_balance", a.unpaid_balance == b.unpaid_balance),
        (
            "service_incidents",
            a.service_incidents == b.service_incidents,
        ),
        (
            "delegated_admin.status",
            a.delegated_admin.status == b.delegated_admin.status,
        ),
        (
            "delegated_admin.roles",
            a.delegated_admin.roles == b.delegated_admin.roles,
        ),
    ])
}

/// Both backends keep timestamps to the microsecond: a file's nanoseconds
/// would otherwise differ on every run.
fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

fn subscription_fields(a: &Subscription, b: &Subscription) -> Vec<&'static str> {
    differing([
        ("offer_id", a.offer_id == b.offer_id),
        ("channel", a.channel == b.channel),
        ("status", a.status == b.status),
        ("provisioned", a.provisioned == b.provisioned),
        ("quantity", a.quantity == b.quantity),
        ("assigned_seats", a.assigned_seats == b.assigned_seats),
        ("billing_cycle", a.billing_cycle == b.billing_cycle),
        ("payment_method", a.payment_method == b.payment_method),
        ("trial", a.trial == b.trial),
        ("parent_id", a.parent_id == b.parent_id),
        (
            "period_start",
            stored(a.period_start) == stored(b.period_start),
        ),
        ("period_end", stored(a.period_end) == stored(b.period_end)),
        ("created_at", stored(a.created_at) == stored(b.created_at)),
    ])
}

fn user_fields(a: &CustomerUser, b: &CustomerUser) -> Vec<&'static str> {
    let held = |u: &CustomerUser| -> BTreeSet<SubscriptionId> {
        u.licenses.iter().map(|l| l.subscription_id).collect()
    };
    // Switched-off services of the licenses both hold: a license added or
    // taken away is a change of `licenses` alone.
    fn of(u: &CustomerUser, s: SubscriptionId) -> Option<&BTreeSet<String>> {
        u.licenses
            .iter()
            .find(|l| l.subscription_id == s)
            .map(|l| &l.disabled_services)
    }
    let same_services = held(a)
        .intersection(&held(b))
        .all(|s| of(a, *s) == of(b, *s));
    differing([
        ("upn", a.upn == b.upn),
        ("display_name", a.display_name == b.display_name),
        ("sign_in_blocked", a.sign_in_blocked == b.sign_in_blocked),
        ("licenses", held(a) == held(b)),
        ("licenses.disabled_services", same_services),
    ])
}
