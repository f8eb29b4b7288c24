//! The eligibility [`Lookups`] of the snapshots the cache hands out, built
//! once per snapshot instead of once per call (a tenth of a check's CPU for a
//! ten-subscription customer). A memo entry is used only for the very
//! snapshot it was built from (`Arc::ptr_eq`, and it holds that snapshot), so
//! a reloaded snapshot never meets lookups of an older one.

use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::domain::catalog::Catalog;
use crate::domain::eligibility::Lookups;
use crate::domain::ids::CustomerId;
use crate::domain::model::CustomerSnapshot;

type Memoized = (Arc<CustomerSnapshot>, Arc<Lookups>);

pub struct LookupsMemo {
    memo: Cache<CustomerId, Memoized, RowWeight>,
}

#[derive(Clone)]
struct RowWeight;

impl Weighter<CustomerId, Memoized> for RowWeight {
    fn weight(&self, _: &CustomerId, (s, _): &Memoized) -> u64 {
        s.rows()
    }
}

impl LookupsMemo {
    /// Holds the lookups of snapshots totalling at most `rows` rows (as the
    /// snapshot cache counts them).
    pub fn new(rows: u64) -> Self {
        let items = usize::try_from(rows / 16).unwrap_or(usize::MAX).max(16);
        LookupsMemo {
            memo: Cache::with_weighter(items, rows.max(1), RowWeight),
        }
    }

    pub fn of(&self, catalog: &Catalog, snapshot: &Arc<CustomerSnapshot>) -> Arc<Lookups> {
        let id = snapshot.customer.id;
        if let Some((held, lookups)) = self.memo.get(&id)
            && Arc::ptr_eq(&held, snapshot)
        {
            return lookups;
        }
        let lookups = Arc::new(Lookups::new(catalog, snapshot));
        // Only a snapshot someone else holds (the cache) will be asked for
        // again; one fresh from the database is this call's alone.
        if Arc::strong_count(snapshot) > 1 {
            self.memo
                .insert(id, (Arc::clone(snapshot), Arc::clone(&lookups)));
        }
        lookups
    }
}
