//! Turns the file as written into a `Catalog`, refusing the first problem.
//!
//! The order is deterministic, so the same bad file always names the same
//! entry: services in file order, then offers in file order (each offer's own
//! fields, its services in id order), then the add-on bases of each offer in
//! file order, then paths in file order (each target in the order written),
//! and last the one-way rule, in (from, to) order, because it needs every
//! path known.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::domain::ids::OfferId;

use super::raw::{RawCatalog, RawOffer, RawPath, RawService};
use super::{Catalog, CatalogError, CatalogKind, Offer, Service, UpgradePath};

pub(super) fn build(raw: RawCatalog) -> Result<Catalog, CatalogError> {
    let services = services(raw.service)?;
    let offers = offers(raw.offer, &services)?;
    let paths_from = paths(raw.path, &offers)?;
    Ok(Catalog {
        services,
        offers,
        paths_from,
    })
}

fn services(raw: Vec<RawService>) -> Result<BTreeMap<String, Service>, CatalogError> {
    let mut services = BTreeMap::new();
    for s in raw {
        if services.contains_key(&s.id) {
            return Err(CatalogError::DuplicateService { service: s.id });
        }
        if s.levels.is_empty() {
            return Err(CatalogError::ServiceWithoutLevels { service: s.id });
        }
        let service = Service {
            id: s.id.clone(),
            name: s.name,
            data_related: s.data_related,
            levels: s.levels,
        };
        services.insert(s.id, service);
    }
    Ok(services)
}

fn offers(
    raw: Vec<RawOffer>,
    services: &BTreeMap<String, Service>,
) -> Result<BTreeMap<OfferId, Offer>, CatalogError> {
    let mut offers = BTreeMap::new();
    // File order, so that base checks below report in the order written.
    let mut ids = Vec::with_capacity(raw.len());
    for r in raw {
        let offer = offer(r, services)?;
        if offers.contains_key(&offer.id) {
            return Err(CatalogError::DuplicateOffer {
                offer: offer.id.to_string(),
            });
        }
        ids.push(offer.id.clone());
        offers.insert(offer.id.clone(), offer);
    }
    for id in &ids {
        check_bases(&offers[id], &offers)?;
    }
    Ok(offers)
}

/// One offer's own fields; references to other offers are checked later.
fn offer(r: RawOffer, services: &BTreeMap<String, Service>) -> Result<Offer, CatalogError> {
    let id = OfferId::parse(&r.id).map_err(|source| CatalogError::InvalidOfferId {
        offer: r.id.clone(),
        source,
    })?;
    let name = || r.id.clone();
    if r.services.is_empty() {
        return Err(CatalogError::OfferWithoutServices { offer: name() });
    }
    let mut included = BTreeMap::new();
    for (service_id, &level) in &r.services {
        let Some(service) = services.get(service_id) else {
            return Err(CatalogError::UnknownService {
                offer: name(),
                service: service_id.clone(),
            });
        };
        let in_range =
            usize::try_from(level).is_ok_and(|l| (1..=service.levels.len()).contains(&l));
        let Some(level_u8) = u8::try_from(level).ok().filter(|_| in_range) else {
            return Err(CatalogError::LevelOutOfRange {
                offer: name(),
                service: service_id.clone(),
                level,
                levels: service.levels.len(),
            });
        };
        included.insert(service_id.clone(), level_u8);
    }
    if r.min_seats < 1 || r.min_seats > r.max_seats {
        return Err(CatalogError::InvalidSeatLimits {
            offer: name(),
            min: r.min_seats,
            max: r.max_seats,
        });
    }
    if r.billing_cycles.is_empty() {
        return Err(CatalogError::NoBillingCycles { offer: name() });
    }
    let price = Decimal::from_str(&r.price)
        .ok()
        .filter(|p| !p.is_sign_negative() || p.is_zero())
        .ok_or_else(|| CatalogError::InvalidPrice {
            offer: name(),
            price: r.price.clone(),
        })?;
    if !is_upper_code(&r.currency, 3) {
        return Err(CatalogError::InvalidCurrency {
            offer: name(),
            currency: r.currency,
        });
    }
    if r.market != "GLOBAL" && !is_upper_code(&r.market, 2) {
        return Err(CatalogError::InvalidMarket {
            offer: name(),
            market: r.market,
        });
    }
    if r.add_on && r.bases.is_empty() {
        return Err(CatalogError::AddOnWithoutBases { offer: name() });
    }
    if !r.add_on && !r.bases.is_empty() {
        return Err(CatalogError::BaseOfferWithBases { offer: name() });
    }
    let bases = r
        .bases
        .iter()
        .map(|b| {
            OfferId::parse(b).map_err(|_| CatalogError::UnknownAddOnBase {
                offer: r.id.clone(),
                base: b.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Offer {
        id,
        name: r.name,
        family: r.family,
        catalog: r.catalog,
        market: r.market,
        segment: r.segment,
        services: included,
        add_on: r.add_on,
        bases,
        min_seats: r.min_seats,
        max_seats: r.max_seats,
        billing_cycles: r.billing_cycles,
        price,
        currency: r.currency,
        available: r.available,
        trial: r.trial,
    })
}

fn is_upper_code(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn check_bases(offer: &Offer, offers: &BTreeMap<OfferId, Offer>) -> Result<(), CatalogError> {
    for base in &offer.bases {
        match offers.get(base) {
            None => {
                return Err(CatalogError::UnknownAddOnBase {
                    offer: offer.id.to_string(),
                    base: base.to_string(),
                });
            }
            Some(b) if b.add_on => {
                return Err(CatalogError::AddOnBaseIsAddOn {
                    offer: offer.id.to_string(),
                    base: base.to_string(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn paths(
    raw: Vec<RawPath>,
    offers: &BTreeMap<OfferId, Offer>,
) -> Result<HashMap<OfferId, Vec<UpgradePath>>, CatalogError> {
    // Keyed by (from, to) so duplicates are caught and the index comes out
    // in target id order without a sort per source.
    let mut all: BTreeMap<(OfferId, OfferId), UpgradePath> = BTreeMap::new();
    for p in raw {
        if p.to.is_empty() {
            return Err(CatalogError::PathWithoutTargets { from: p.from });
        }
        for to in &p.to {
            let path = path(&p, to, offers)?;
            let key = (path.from.clone(), path.to.clone());
            if all.contains_key(&key) {
                return Err(CatalogError::DuplicatePath {
                    from: p.from.clone(),
                    to: to.clone(),
                });
            }
            all.insert(key, path);
        }
    }
    for path in all.values().filter(|p| p.one_way) {
        if all.contains_key(&(path.to.clone(), path.from.clone())) {
            return Err(CatalogError::OneWayPathReversible {
                from: path.from.to_string(),
                to: path.to.to_string(),
            });
        }
    }
    let mut paths_from: HashMap<OfferId, Vec<UpgradePath>> = HashMap::new();
    for path in all.into_values() {
        paths_from.entry(path.from.clone()).or_default().push(path);
    }
    Ok(paths_from)
}

/// One edge `p.from -> to`, checked against the offers it joins.
fn path(
    p: &RawPath,
    to: &str,
    offers: &BTreeMap<OfferId, Offer>,
) -> Result<UpgradePath, CatalogError> {
    let from = &p.from;
    let lookup = |id: &str| {
        OfferId::parse(id)
            .ok()
            .and_then(|id| offers.get(&id))
            .ok_or_else(|| CatalogError::UnknownPathOffer {
                from: from.clone(),
                to: to.to_owned(),
                unknown: id.to_owned(),
            })
    };
    let source = lookup(from)?;
    let target = lookup(to)?;
    if source.id == target.id {
        return Err(CatalogError::PathToItself {
            offer: from.clone(),
        });
    }
    if let Some(add_on) = [source, target].into_iter().find(|o| o.add_on) {
        return Err(CatalogError::PathWithAddOn {
            from: from.clone(),
            to: to.to_owned(),
            add_on: add_on.id.to_string(),
        });
    }
    if source.catalog != target.catalog {
        return Err(CatalogError::CrossCatalogPath {
            from: from.clone(),
            to: to.to_owned(),
            from_catalog: source.catalog,
            to_catalog: target.catalog,
        });
    }
    if source.catalog == CatalogKind::Csp {
        let rules = [
            ("max_users", p.max_users.is_some()),
            ("custom_domain_blocks", p.custom_domain_blocks),
            ("one_way", p.one_way),
        ];
        if let Some((rule, _)) = rules.into_iter().find(|(_, set)| *set) {
            return Err(CatalogError::LegacyRuleOnCspPath {
                from: from.clone(),
                to: to.to_owned(),
                rule,
            });
        }
    }
    if let Some(max_users) = p.max_users.filter(|&m| m < 1) {
        return Err(CatalogError::InvalidMaxUsers {
            from: from.clone(),
            to: to.to_owned(),
            max_users,
        });
    }
    Ok(UpgradePath {
        from: source.id.clone(),
        to: target.id.clone(),
        max_users: p.max_users,
        custom_domain_blocks: p.custom_domain_blocks,
        one_way: p.one_way,
    })
}
