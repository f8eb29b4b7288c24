//! What a sync tells its caller: counts per kind and action, and every
//! record it writes with the fields that changed. The dry run and the real
//! run answer the same report for the same file and state.

use serde::Serialize;

use super::{ChangeSet, Changes};

/// How many records of one kind a sync inserts, updates and deletes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub inserted: usize,
    pub updated: usize,
    pub deleted: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub customers: KindCounts,
    pub subscriptions: KindCounts,
    pub customer_users: KindCounts,
}

/// One record a sync writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordChange {
    /// `customer`, `subscription` or `customer_user`.
    pub kind: &'static str,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub action: &'static str,
    pub id: String,
    /// For an update: the fields that differ, as the dataset names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub partner_id: String,
    pub dry_run: bool,
    /// False when the file says what the service already holds.
    pub changed: bool,
    pub counts: Counts,
    pub records: Vec<RecordChange>,
}

impl Report {
    pub fn new(changes: &ChangeSet, dry_run: bool) -> Report {
        let mut records = Vec::new();
        let counts = Counts {
            customers: list("customer", &changes.customers, |c| c.id, &mut records),
            subscriptions: list(
                "subscription",
                &changes.subscriptions,
                |s| s.id,
                &mut records,
            ),
            customer_users: list("customer_user", &changes.users, |u| u.id, &mut records),
        };
        Report {
            partner_id: changes.partner_id.to_string(),
            dry_run,
            changed: !changes.is_empty(),
            counts,
            records,
        }
    }

    /// `customers +1 ~2 -0, subscriptions ...`: the counts on one line.
    pub fn summary(&self) -> String {
        let kind = |name: &str, k: &KindCounts| {
            format!(
                "{name}: {} inserted, {} updated, {} deleted",
                k.inserted, k.updated, k.deleted
            )
        };
        [
            kind("customers", &self.counts.customers),
            kind("subscriptions", &self.counts.subscriptions),
            kind("customer users", &self.counts.customer_users),
        ]
        .join("; ")
    }
}

fn list<T, Id: ToString>(
    kind: &'static str,
    changes: &Changes<T>,
    id: impl Fn(&T) -> Id,
    out: &mut Vec<RecordChange>,
) -> KindCounts {
    let record = |action, id: String, fields| RecordChange {
        kind,
        action,
        id,
        fields,
    };
    out.extend(
        changes
            .inserted
            .iter()
            .map(|r| record("INSERT", id(r).to_string(), Vec::new())),
    );
    out.extend(
        changes
            .updated
            .iter()
            .map(|u| record("UPDATE", id(&u.record).to_string(), u.fields.clone())),
    );
    out.extend(
        changes
            .deleted
            .iter()
            .map(|d| record("DELETE", id(d).to_string(), Vec::new())),
    );
    KindCounts {
        inserted: changes.inserted.len(),
        updated: changes.updated.len(),
        deleted: changes.deleted.len(),
    }
}
