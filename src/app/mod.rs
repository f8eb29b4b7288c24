//! The use cases: one function per write, between the API and storage.
//! Each loads what the decision needs inside a transaction that holds the
//! right lock, lets the domain decide, has storage write what was decided
//! (and the audit record it builds) in that transaction, commits, and then,
//! in that one place, drops what the caches hold and announces the change
//! on the [`bus`]. Handlers call these; storage never decides.

pub mod bus;
mod orders;
mod roles;
mod schedule;
mod sync;

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

pub use orders::{Resolution, Submission};
pub use roles::RoleChangeOutcome;
pub use schedule::{Cancellation, RUNNER_APP_ID, RunReport};
pub use sync::{SyncOutcome, SyncRequest};

use crate::cache::store::CachedStore;
use crate::cache::{Cache, CacheOptions};
use crate::clock::Clock;
use crate::domain::catalog::Catalog;
use crate::domain::dataset::ValidDataset;
use crate::storage::changes::Change;
use crate::storage::{ImportSummary, Result, Store};
use bus::ChangeBus;

/// Business settings the use cases apply.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Per currency: invoice-paid orders whose monthly value is at or above
    /// the amount wait for a credit check. A currency not listed always does.
    pub credit_check_thresholds: BTreeMap<String, Decimal>,
}

impl Policy {
    /// The credit check threshold for amounts in `currency`.
    pub fn credit_check_threshold(&self, currency: &str) -> Decimal {
        self.credit_check_thresholds
            .get(currency)
            .copied()
            .unwrap_or(Decimal::ZERO)
    }
}

pub struct App {
    /// Reads through the caches; writes go straight to the database.
    store: Arc<dyn Store>,
    bus: ChangeBus,
    catalog: Arc<Catalog>,
    clock: Arc<dyn Clock>,
    policy: Policy,
}

impl App {
    /// Puts the caches in front of `store` and follows its change feed
    /// (Postgres): until that feed is up, nothing is served from memory.
    pub fn new(
        store: Arc<dyn Store>,
        catalog: Arc<Catalog>,
        clock: Arc<dyn Clock>,
        policy: Policy,
        cache: CacheOptions,
    ) -> Self {
        let feed = store.change_feed();
        let cache = Arc::new(Cache::new(cache, feed.is_none()));
        let bus = ChangeBus::new(Arc::clone(&cache));
        if let Some(feed) = feed {
            bus.follow(feed);
        }
        App {
            store: Arc::new(CachedStore::new(store, cache)),
            bus,
            catalog,
            clock,
            policy,
        }
    }

    /// The store the handlers read from (through the caches).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn bus(&self) -> &ChangeBus {
        &self.bus
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Imports a validated dataset (all or nothing), then drops every cache.
    pub async fn import(&self, dataset: &ValidDataset) -> Result<ImportSummary> {
        let summary = self.store.import(dataset).await?;
        self.bus.written(Change::Everything);
        Ok(summary)
    }
}
