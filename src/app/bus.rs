//! The change bus: one place where every change this process hears of
//! arrives, whether written here (the use cases publish after their commit)
//! or by another process (the store's change feed: on Postgres, LISTEN).
//! It serves the caches, which it updates before `publish` returns (so a
//! replica reads its own writes), and `WatchUpgradeOrder`, whose streams
//! subscribe to it.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};

use crate::cache::Cache;
use crate::domain::ids::CustomerId;
use crate::storage::changes::{Change, FeedEvent};

/// Events a slow subscriber may fall behind by before it is told it lagged
/// (and then re-reads, as for `Change::Everything`).
const BACKLOG: usize = 1024;

#[derive(Clone)]
pub struct ChangeBus {
    cache: Arc<Cache>,
    events: broadcast::Sender<FeedEvent>,
}

impl ChangeBus {
    pub fn new(cache: Arc<Cache>) -> Self {
        ChangeBus {
            cache,
            events: broadcast::channel(BACKLOG).0,
        }
    }

    /// Tells the caches, then every subscriber.
    pub fn publish(&self, event: FeedEvent) {
        self.cache.apply(event);
        // No subscriber is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    /// A committed write of this process.
    pub fn written(&self, change: Change) {
        self.publish(FeedEvent::Changed(change));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<FeedEvent> {
        self.events.subscribe()
    }

    /// Publishes what the store's feed hears, in a task of its own, until
    /// the feed ends (then the caches stop trusting memory).
    pub fn follow(&self, mut feed: mpsc::UnboundedReceiver<FeedEvent>) {
        let bus = self.clone();
        tokio::spawn(async move {
            while let Some(event) = feed.recv().await {
                bus.publish(event);
            }
            bus.publish(FeedEvent::Down);
        });
    }
}

/// Waits until `changes` says the customer may have changed: a write of
/// its, anything (or an unknown amount) written, or the feed back after a
/// gap. False when the bus is gone.
pub async fn customer_changed(
    changes: &mut broadcast::Receiver<FeedEvent>,
    customer: CustomerId,
) -> bool {
    loop {
        match changes.recv().await {
            Ok(FeedEvent::Changed(Change::Customer(id))) if id == customer => return true,
            Ok(FeedEvent::Changed(Change::Everything) | FeedEvent::Up) => return true,
            Err(broadcast::error::RecvError::Lagged(_)) => return true,
            Ok(FeedEvent::Changed(_) | FeedEvent::Down | FeedEvent::Heard(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return false,
        }
    }
}
