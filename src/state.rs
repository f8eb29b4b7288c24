//! What every handler shares: the catalog, the store (set once the database
//! answers), the token verifier and the clock.

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::auth::jwt::TokenVerifier;
use crate::clock::Clock;
use crate::domain::catalog::Catalog;
use crate::grpc::error::ApiError;
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
}

impl AppState {
    pub fn new(catalog: Arc<Catalog>, verifier: TokenVerifier, clock: Arc<dyn Clock>) -> Self {
        AppState {
            inner: Arc::new(Inner {
                catalog,
                store: OnceCell::new(),
                verifier,
                clock,
            }),
        }
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

    /// Called once, when the database is migrated and answers.
    pub fn set_store(&self, store: Arc<dyn Store>) {
        // A second call would be a bug in start-up; keep the first store.
        let _ = self.inner.store.set(store);
    }
}
