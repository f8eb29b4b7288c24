//! The JSON dataset format read by `csp-upgrades import FILE` and by the demo
//! data load (see `docs/dataset.md`). Parsing keeps every field as the file
//! wrote it; [`Dataset::validate`] then checks the whole file against the
//! catalog and itself and either yields a [`ValidDataset`] or every problem,
//! each naming the record and the field. Nothing is written before that.

mod check;
mod raw;

use super::ids::*;
use super::model::*;

pub use raw::*;

#[cfg(test)]
mod tests;

/// An upgrade order carried in a dataset (the demo data needs an order in
/// progress and one waiting for a credit check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedOrder {
    pub summary: OrderSummary,
    pub partner_id: PartnerId,
    pub submitted_by: PartnerUserId,
    pub quantity: i64,
    pub upgrade_type: UpgradeType,
}

/// A dataset that passed validation: every reference resolves, every value is
/// in range, no id repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidDataset {
    pub partners: Vec<Partner>,
    pub partner_users: Vec<PartnerUser>,
    pub customers: Vec<Customer>,
    pub subscriptions: Vec<Subscription>,
    pub customer_users: Vec<CustomerUser>,
    pub orders: Vec<ImportedOrder>,
}

/// One problem in a dataset file: `record` like `subscriptions[3]` (with its id
/// when readable), `field` like `quantity`. A JSON syntax or shape error has
/// `record` like `line 12, column 5` and no field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetError {
    pub record: String,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for DatasetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.record, self.message)
        } else {
            write!(f, "{}: {}: {}", self.record, self.field, self.message)
        }
    }
}

impl std::error::Error for DatasetError {}
