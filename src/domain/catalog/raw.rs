//! The catalog file as written (`catalog/offers.toml`), before validation.
//! Fields that need a check with a message naming the entry (ids, levels,
//! prices) stay plain strings and numbers here; `validate` turns them into
//! the domain types.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::model::{BillingCycle, Segment};

use super::CatalogKind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalog {
    #[serde(default)]
    pub service: Vec<RawService>,
    #[serde(default)]
    pub offer: Vec<RawOffer>,
    #[serde(default)]
    pub path: Vec<RawPath>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub data_related: bool,
    pub levels: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOffer {
    pub id: String,
    pub name: String,
    pub family: String,
    pub catalog: CatalogKind,
    pub market: String,
    pub segment: Segment,
    pub services: BTreeMap<String, i64>,
    #[serde(default)]
    pub add_on: bool,
    #[serde(default)]
    pub bases: Vec<String>,
    pub min_seats: i64,
    pub max_seats: i64,
    pub billing_cycles: Vec<BillingCycle>,
    pub price: String,
    pub currency: String,
    #[serde(default = "default_true")]
    pub available: bool,
    #[serde(default)]
    pub trial: bool,
}

/// One `[[path]]` table: expands to one upgrade path per `to` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPath {
    pub from: String,
    pub to: Vec<String>,
    pub max_users: Option<i64>,
    #[serde(default)]
    pub custom_domain_blocks: bool,
    #[serde(default)]
    pub one_way: bool,
}

fn default_true() -> bool {
    true
}
