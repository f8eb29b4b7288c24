//! What every handler shares: the catalog, the token verifier, the clock,
//! and the use cases ([`App`]: the store behind its caches, the change bus),
//! set once the database answers.

use std::sync::Arc;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use tokio::sync::OnceCell;

use crate::app::{App, Policy};
use crate::auth::jwt::TokenVerifier;
use crate::cache::lookups::LookupsMemo;
use crate::clock::Clock;
use crate::domain::catalog::Catalog;
use crate::domain::eligibility::Lookups;
use crate::domain::model::CustomerSnapshot;
use crate::storage::{PoolStats, StorageError, Store};

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Arc<Catalog>,
    app: OnceCell<App>,
    verifier: TokenVerifier,
    clock: Arc<dyn Clock>,
    options: Options,
    lookups: LookupsMemo,
    /// Batches of customers the eligibility streams have read: what shows
    /// that a cancelled stream stopped reading (tests, metrics).
    stream_batches: std::sync::atomic::AtomicU64,
}

/// Business settings from the configuration.
#[derive(Debug, Clone)]
pub struct Options {
    /// Per currency: invoice-paid orders whose monthly value is at or above
    /// the amount wait for a credit check. A currency not listed always does.
    pub credit_check_thresholds: BTreeMap<String, Decimal>,
    /// What the store may serve from memory.
    pub cache: crate::cache::CacheOptions,
    /// Apps granted `SyncPartnerData` (`--sync-apps`).
    pub sync_apps: std::collections::BTreeSet<String>,
    /// How often the server runs due scheduled upgrades; zero: never (this
    /// replica leaves them to others or to `csp-upgrades run-due`).
    pub scheduled_runner_interval: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            credit_check_thresholds: crate::config::default_credit_check_thresholds(),
            cache: crate::cache::CacheOptions::default(),
            sync_apps: std::collections::BTreeSet::new(),
            scheduled_runner_interval: std::time::Duration::ZERO,
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
                app: OnceCell::new(),
                verifier,
                clock,
                options,
                lookups,
                stream_batches: Default::default(),
            }),
        }
    }

    /// Apps granted `SyncPartnerData`.
    pub fn scheduled_runner_interval(&self) -> std::time::Duration {
        self.inner.options.scheduled_runner_interval
    }

    pub fn sync_apps(&self) -> &std::collections::BTreeSet<String> {
        &self.inner.options.sync_apps
    }

    /// Batches of customers every eligibility stream of this server has read
    /// from the database so far.
    pub fn stream_batches(&self) -> &std::sync::atomic::AtomicU64 {
        &self.inner.stream_batches
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

    /// The use cases, or `NotOpen` while start-up has not reached the
    /// database.
    pub fn app(&self) -> Result<&App, StorageError> {
        self.inner.app.get().ok_or(StorageError::NotOpen)
    }

    /// The store the handlers read from (through the caches).
    pub fn store(&self) -> Result<&Arc<dyn Store>, StorageError> {
        Ok(self.app()?.store())
    }

    /// The database pool's connections, once the database is open.
    pub fn pool_stats(&self) -> Option<PoolStats> {
        self.store().ok().map(|s| s.pool_stats())
    }

    /// Called once, when the database is migrated and answers.
    pub fn set_store(&self, store: Arc<dyn Store>) {
        let policy = Policy {
            credit_check_thresholds: self.inner.options.credit_check_thresholds.clone(),
        };
        let app = App::new(
            store,
            Arc::clone(&self.inner.catalog),
            Arc::clone(&self.inner.clock),
            policy,
            self.inner.options.cache,
        );
        // A second call would be a bug in start-up; keep the first store.
        let _ = self.inner.app.set(app);
    }
}
