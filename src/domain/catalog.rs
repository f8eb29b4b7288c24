//! The offer catalog (SPEC §4 "The catalog"): services with levels, offers,
//! add-ons and upgrade paths, loaded from `catalog/offers.toml` and validated
//! once at start-up. Everything here is immutable after loading and shared
//! behind an `Arc`.

mod error;
mod raw;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_invalid;
mod validate;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ids::OfferId;
use super::model::{BillingCycle, Segment, text_enum};

pub use error::CatalogError;

/// The catalog shipped with the service, embedded at build time so a binary
/// always has one that passed its own tests.
const BUILTIN: &str = include_str!("../../catalog/offers.toml");

text_enum!(/// Which matrix an offer belongs to: the rules differ per matrix.
CatalogKind {
    /// The current CSP offer matrix (seed 004).
    Csp = "CSP",
    /// The legacy Office 365 2013 change-plan matrix (seed 002).
    Legacy2013 = "LEGACY_2013",
});

/// A service included in offers, e.g. Exchange Online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    /// Holds user data (Exchange, SharePoint, OneDrive): moving to a lower
    /// level or dropping it loses data (seed 000).
    pub data_related: bool,
    /// Names of the levels, lowest first; an offer includes level `1..=len`.
    pub levels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub id: OfferId,
    pub name: String,
    /// Product family, e.g. `m365-business`, `o365-enterprise`, `legacy-p`.
    pub family: String,
    pub catalog: CatalogKind,
    /// `GLOBAL`, or the ISO country the offer may only be sold in (e.g. `IN`).
    pub market: String,
    pub segment: Segment,
    /// Included service id -> level (1-based index into `Service::levels`).
    pub services: BTreeMap<String, u8>,
    pub add_on: bool,
    /// For add-ons: the base offers it attaches to. Empty for base offers.
    pub bases: Vec<OfferId>,
    pub min_seats: i64,
    pub max_seats: i64,
    pub billing_cycles: Vec<BillingCycle>,
    /// List price per seat per month.
    pub price: Decimal,
    /// ISO 4217.
    pub currency: String,
    /// Can be bought now (false: end of sale, or trial-only).
    pub available: bool,
    /// A trial offer.
    pub trial: bool,
}

/// An edge of the upgrade matrix, with the rules that live on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradePath {
    pub from: OfferId,
    pub to: OfferId,
    /// Legacy: the automatic switch is refused above this many users (seed 002: 300).
    pub max_users: Option<i64>,
    /// Legacy: refused when the customer has a custom domain (P -> Enterprise/Midsize).
    pub custom_domain_blocks: bool,
    /// The switch changes service family and cannot be undone (seed 002).
    pub one_way: bool,
}

/// The loaded, validated catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    services: BTreeMap<String, Service>,
    /// Offers in id order, which is the order `ListOffers` pages through.
    offers: BTreeMap<OfferId, Offer>,
    paths_from: HashMap<OfferId, Vec<UpgradePath>>,
}

impl Catalog {
    /// Parses and validates a catalog in the `catalog/offers.toml` format.
    /// Refuses the first problem found (the order is in `validate`).
    pub fn from_toml_str(s: &str) -> Result<Catalog, CatalogError> {
        let raw: raw::RawCatalog = toml::from_str(s)?;
        validate::build(raw)
    }

    /// Reads a catalog file, for deployments that override the builtin one.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Catalog, CatalogError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io {
            path: path.to_owned(),
            source,
        })?;
        Catalog::from_toml_str(&text)
    }

    /// The embedded `catalog/offers.toml`.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Catalog::from_toml_str(BUILTIN)
    }

    pub fn offer(&self, id: &OfferId) -> Option<&Offer> {
        self.offers.get(id)
    }

    /// Offers in id order.
    pub fn offers(&self) -> impl Iterator<Item = &Offer> {
        self.offers.values()
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.get(id)
    }

    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values()
    }

    /// The upgrade paths out of an offer, in target id order.
    pub fn paths_from(&self, from: &OfferId) -> &[UpgradePath] {
        self.paths_from.get(from).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The path `from -> to`, when the matrix has one.
    pub fn path(&self, from: &OfferId, to: &OfferId) -> Option<&UpgradePath> {
        self.paths_from(from).iter().find(|p| &p.to == to)
    }
}
