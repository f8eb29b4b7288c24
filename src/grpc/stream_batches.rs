//! The batches `StreamEligibility` reads: which customers come next, and
//! reading one batch ahead on a task of its own while the stream answers
//! the batch before (the database works while the answers are computed).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::{StreamExt, TryStreamExt};
use tokio::task::JoinHandle;

use super::error::ApiError;
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::model::CustomerSnapshot;
use crate::state::AppState;
use crate::storage::Store;

/// Customers read from the database per batch: one round of queries each.
const CUSTOMERS_PER_BATCH: usize = 100;
/// Subscriptions per batch at most, unless one customer has more: memory
/// stays bounded when every customer is big.
const SUBSCRIPTIONS_PER_BATCH: u64 = 10_000;
/// Snapshots of listed customers being read at once (in order).
const SNAPSHOTS_IN_FLIGHT: usize = 4;

/// What a read needs, shared with the task that reads ahead.
#[derive(Clone)]
pub struct Reader {
    pub store: Arc<dyn Store>,
    pub partner: PartnerId,
    /// The call's customer filter (sorted); `None`: the whole partner.
    pub customers: Option<Arc<[CustomerId]>>,
    /// Counts the batches read (`AppState::stream_batches`).
    pub batches: AppState,
}

/// One batch read, and where the next starts.
pub struct Batch {
    pub next: Batches,
    pub snapshots: Vec<Arc<CustomerSnapshot>>,
}

/// The read of the next batch, under way on its own task; dropping it
/// stops the read (the client went away).
pub struct Ahead(Option<JoinHandle<Result<Option<Batch>, ApiError>>>);

impl Ahead {
    pub fn read(reader: &Reader, from: Batches) -> Self {
        Ahead(Some(tokio::spawn(read(reader.clone(), from))))
    }

    /// The batch (`None`: the partner is done).
    pub async fn take(&mut self) -> Result<Option<Batch>, ApiError> {
        let task = self.0.take().expect("taken once");
        task.await
            .map_err(|e| ApiError::Internal(format!("the stream's read failed: {e}")))?
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Which customers come next.
#[derive(Debug, Clone, Copy)]
pub struct Batches {
    /// The last customer read; `None` before the first batch.
    read: Option<CustomerId>,
    /// The cursor's customer, still to be read again (the stream resumes
    /// inside it).
    resume_in: Option<CustomerId>,
}

impl Batches {
    pub fn new(resume_in: Option<CustomerId>) -> Self {
        Batches {
            read: None,
            resume_in,
        }
    }

    /// The database's next batch: after which id, and a customer to read
    /// first (the cursor's).
    fn next_from_db(&mut self) -> (Option<CustomerId>, Option<CustomerId>) {
        match self.resume_in.take() {
            Some(c) => (Some(c), Some(c)),
            None => (self.read, None),
        }
    }

    fn next_from_list(&mut self, list: &[CustomerId]) -> Vec<CustomerId> {
        let start = match (self.read, self.resume_in.take()) {
            (Some(read), _) => list.partition_point(|&c| c <= read),
            (None, Some(resume)) => list.partition_point(|&c| c < resume),
            (None, None) => 0,
        };
        let end = (start + CUSTOMERS_PER_BATCH).min(list.len());
        list[start..end].to_vec()
    }
}

/// Reads the batch `from` names; `None` when there is none left.
async fn read(reader: Reader, mut from: Batches) -> Result<Option<Batch>, ApiError> {
    let Reader {
        store,
        partner,
        customers,
        batches,
    } = reader;
    let snapshots = match customers.as_deref() {
        Some(list) => {
            let ids = from.next_from_list(list);
            batches.stream_batches().fetch_add(1, Ordering::Relaxed);
            let Some(&last) = ids.last() else {
                return Ok(None);
            };
            from.read = Some(last);
            listed(&store, partner, ids).await?
        }
        None => {
            let (after, first) = from.next_from_db();
            let mut ids = Vec::with_capacity(CUSTOMERS_PER_BATCH + 1);
            ids.extend(first);
            let limit = (CUSTOMERS_PER_BATCH - ids.len()) as u32;
            let mut rows = 0;
            for (id, subscriptions) in store.customer_sizes(partner, after, limit).await? {
                // Big customers make a short batch (at least one).
                if !ids.is_empty() && rows + subscriptions > SUBSCRIPTIONS_PER_BATCH {
                    break;
                }
                rows += subscriptions;
                ids.push(id);
            }
            batches.stream_batches().fetch_add(1, Ordering::Relaxed);
            let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
                return Ok(None);
            };
            from.read = Some(last);
            // One round of queries for the batch, past the snapshot cache:
            // each customer is read once, and caching the whole partner
            // would only evict what per-call checks use.
            store
                .snapshots_between(partner, first, last)
                .await?
                .into_iter()
                .map(Arc::new)
                .collect()
        }
    };
    Ok(Some(Batch {
        next: from,
        snapshots,
    }))
}

/// The snapshots of a batch of listed customers (a filter of at most 1000,
/// anywhere in the partner): one each, a few at once, in order. A customer
/// gone since the call began has nothing to answer.
async fn listed(
    store: &Arc<dyn Store>,
    partner: PartnerId,
    ids: Vec<CustomerId>,
) -> Result<Vec<Arc<CustomerSnapshot>>, ApiError> {
    let found: Vec<Option<Arc<CustomerSnapshot>>> = futures::stream::iter(ids)
        .map(|id| async move { store.snapshot(partner, id).await })
        .buffered(SNAPSHOTS_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}
