//! What every handler shares: the catalog, the store (set once the database
//! answers), the token verifier and the clock.

use std::sync::Arc;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use tokio::sync::{OnceCell, broadcast};

use crate::auth::jwt::TokenVerifier;
use crate::cache::store::CachedStore;
use crate::clock::Clock;
use crate::domain::catalog::Catalog;
use crate::domain::eligibility::Lookups;
use crate::domain::ids::OrderId;
use crate::domain::model::CustomerSnapshot;
use crate::grpc::error::ApiError;
use crate::grpc::lookups::LookupsMemo;
use crate::storage::Store;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Arc<Catalog>,
    store: OnceCell<Arc<dyn Store>>,
    verifier: TokenVerifier,
    clock: Arc<dyn Clock>,
    options: Options,
    /// Each order write on this replica announces the order id; watchers of
    /// other replicas' orders fall back to polling.
    order_changes: broadcast::Sender<OrderId>,
    lookups: LookupsMemo,
}

/// Business settings from the configuration.
#[derive(Debug, Clone)]
pub struct Options {
    /// Per currency: invoice-paid orders whose monthly value is at or above
    /// the amount wait for a credit check. A currency not listed always does.
    pub credit_check_thresholds: BTreeMap<String, Decimal>,
    /// What the store may serve from memory.
    pub cache: crate::cache::CacheOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            credit_check_thresholds: crate::config::default_credit_check_thresholds(),
            cache: crate::cache::CacheOptions::default(),
        }
    }
}

impl AppState {
    pub fn new(catalog: Arc<Catalog>, verifier: TokenVerifier, clock: Arc<dyn Clock>) -> Self {
        Self::with_options(catalog, verifier, clock, Options::default())
    }

    pub fn with_options(
        catalog: Arc<Catalog>,
        verifier: TokenVerifier,
        clock: Arc<dyn Clock>,
        options: Options,
    ) -> Self {
        let lookups = LookupsMemo::new(options.cache.snapshot_rows);
        AppState {
            inner: Arc::new(Inner {
                catalog,
                store: OnceCell::new(),
                verifier,
                clock,
                options,
                order_changes: broadcast::channel(256).0,
                lookups,
            }),
        }
    }

    /// The credit check threshold for amounts in `currency`.
    pub fn credit_check_threshold(&self, currency: &str) -> Decimal {
        self.inner
            .options
            .credit_check_thresholds
            .get(currency)
            .copied()
            .unwrap_or(Decimal::ZERO)
    }

    pub fn order_changed(&self, order: OrderId) {
        // No receiver is fine: nobody is watching.
        let _ = self.inner.order_changes.send(order);
    }

    pub fn order_changes(&self) -> broadcast::Receiver<OrderId> {
        self.inner.order_changes.subscribe()
    }

    /// The eligibility lookups of `snapshot`, memoized while it is cached.
    pub fn lookups(&self, snapshot: &Arc<CustomerSnapshot>) -> Arc<Lookups> {
        self.inner.lookups.of(&self.inner.catalog, snapshot)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    pub fn verifier(&self) -> &TokenVerifier {
        &self.inner.verifier
    }

    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The store, or `UNAVAILABLE` while start-up has not reached the database.
    pub fn store(&self) -> Result<&Arc<dyn Store>, ApiError> {
        self.inner
            .store
            .get()
            .ok_or_else(|| ApiError::Unavailable("starting up: the database is not ready".into()))
    }

    /// Called once, when the database is migrated and answers. Handlers get
    /// the store behind the cache.
    pub fn set_store(&self, store: Arc<dyn Store>) {
        let cached = CachedStore::new(store, self.inner.options.cache);
        // A second call would be a bug in start-up; keep the first store.
        let _ = self.inner.store.set(Arc::new(cached));
    }
}
