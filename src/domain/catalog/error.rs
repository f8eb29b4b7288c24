//! Why a catalog file was refused. Start-up fails with one of these, so each
//! message names the entry to fix (offer id, service id, or path `from -> to`).

use std::path::PathBuf;

use crate::domain::ids::IdError;

use super::CatalogKind;

/// The first problem found in a catalog file (see `validate` for the order).
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Syntax, a missing or unknown field, or a value of the wrong type; the
    /// toml message carries the line and column.
    #[error("catalog is not valid: {0}")]
    Parse(#[from] toml::de::Error),

    #[error("service {service:?} is defined twice")]
    DuplicateService { service: String },

    #[error("service {service:?} has no levels (it needs at least one)")]
    ServiceWithoutLevels { service: String },

    #[error(
        "offer id {offer:?} is not valid: use lowercase letters, digits and '-', \
         at most 64 characters"
    )]
    InvalidOfferId {
        offer: String,
        #[source]
        source: IdError,
    },

    #[error("offer {offer:?} is defined twice")]
    DuplicateOffer { offer: String },

    #[error("offer {offer:?} includes no service")]
    OfferWithoutServices { offer: String },

    #[error("offer {offer:?} includes unknown service {service:?}")]
    UnknownService { offer: String, service: String },

    #[error(
        "offer {offer:?} includes service {service:?} at level {level}, \
         but that service has levels 1..={levels}"
    )]
    LevelOutOfRange {
        offer: String,
        service: String,
        level: i64,
        levels: usize,
    },

    #[error("offer {offer:?} has seat limits min {min} / max {max}: need 1 <= min <= max")]
    InvalidSeatLimits { offer: String, min: i64, max: i64 },

    #[error("offer {offer:?} supports no billing cycle")]
    NoBillingCycles { offer: String },

    #[error("offer {offer:?} has price {price:?}: need a non-negative decimal string")]
    InvalidPrice { offer: String, price: String },

    #[error(
        "offer {offer:?} has currency {currency:?}: need an ISO 4217 code (3 upper-case letters)"
    )]
    InvalidCurrency { offer: String, currency: String },

    #[error(
        "offer {offer:?} has market {market:?}: need \"GLOBAL\" or an ISO 3166 country \
         (2 upper-case letters)"
    )]
    InvalidMarket { offer: String, market: String },

    #[error("add-on {offer:?} lists no base offer to attach to")]
    AddOnWithoutBases { offer: String },

    #[error("offer {offer:?} is not an add-on but lists bases (only add-ons attach to bases)")]
    BaseOfferWithBases { offer: String },

    #[error("add-on {offer:?} lists unknown base offer {base:?}")]
    UnknownAddOnBase { offer: String, base: String },

    /// Refusing add-on bases also refuses every chain and cycle of add-ons.
    #[error(
        "add-on {offer:?} lists {base:?} as a base, but that is itself an add-on: add-ons \
         attach to base offers only, so chains and cycles of add-ons are refused"
    )]
    AddOnBaseIsAddOn { offer: String, base: String },

    #[error("path from {from:?} lists no target offer")]
    PathWithoutTargets { from: String },

    #[error("path {from} -> {to}: offer {unknown:?} is not in the catalog")]
    UnknownPathOffer {
        from: String,
        to: String,
        unknown: String,
    },

    #[error("path {offer} -> {offer} leads to itself")]
    PathToItself { offer: String },

    #[error("path {from} -> {to} is defined twice")]
    DuplicatePath { from: String, to: String },

    #[error("path {from} -> {to}: {add_on:?} is an add-on; upgrade paths join base offers")]
    PathWithAddOn {
        from: String,
        to: String,
        add_on: String,
    },

    #[error("path {from} -> {to} joins a {from_catalog} offer to a {to_catalog} offer")]
    CrossCatalogPath {
        from: String,
        to: String,
        from_catalog: CatalogKind,
        to_catalog: CatalogKind,
    },

    #[error("path {from} -> {to} sets {rule}, a LEGACY_2013 rule, between CSP offers")]
    LegacyRuleOnCspPath {
        from: String,
        to: String,
        rule: &'static str,
    },

    #[error("path {from} -> {to} has max_users {max_users}: need at least 1")]
    InvalidMaxUsers {
        from: String,
        to: String,
        max_users: i64,
    },

    /// One-way means the switch cannot be undone, so the matrix must not
    /// offer the way back.
    #[error("path {from} -> {to} is one_way, but the reverse path {to} -> {from} exists")]
    OneWayPathReversible { from: String, to: String },
}
