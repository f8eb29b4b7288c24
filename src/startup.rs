//! Opening the database: connect, migrate (storage does it, once, even with
//! several replicas starting together), and load the demo dataset into an
//! empty database when asked to.

use std::sync::Arc;

use anyhow::Context;

use crate::domain::catalog::Catalog;
use crate::domain::dataset::Dataset;
use crate::storage::{self, StorageError, Store};

/// The demo dataset shipped with the service (see `demo/README.md`).
pub const DEMO_DATASET: &str = include_str!("../demo/dataset.json");

/// Connects and migrates; with `load_demo`, imports the demo dataset when
/// the database holds no partner yet.
pub async fn open_store(
    url: &str,
    catalog: &Catalog,
    load_demo: bool,
) -> anyhow::Result<Arc<dyn Store>> {
    let store = storage::connect(url).await?;
    if load_demo && store.is_empty().await? {
        let dataset = Dataset::from_json(DEMO_DATASET)
            .context("the bundled demo dataset does not parse")?
            .validate(catalog)
            .map_err(|errors| {
                anyhow::anyhow!(
                    "the bundled demo dataset is invalid: {}",
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })?;
        match store.import(&dataset).await {
            Ok(summary) => {
                tracing::info!(?summary, "loaded the demo dataset into the empty database")
            }
            // Another replica loaded it between our check and our write.
            Err(StorageError::Conflict(_)) if !store.is_empty().await? => {}
            Err(e) => return Err(e).context("loading the demo dataset"),
        }
    }
    Ok(store)
}
