//! Sync (SPEC §11): a [`SyncTx`] holds the partner's lock and every one of
//! its customers' locks (the ones submissions take, `OrderStore::lock_customer`),
//! so a sync and a submission of the same customer never interleave; in it
//! the use case (`crate::app::sync`) reads what is stored, lets the domain
//! compute the change set, and has it applied, or drops the transaction for
//! a dry run.

use async_trait::async_trait;
use uuid::Uuid;

use super::{Result, Tx};
use crate::domain::ids::PartnerId;
use crate::domain::sync::{ChangeSet, Stored, Updated};

#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Starts a writing transaction holding the partner's lock and, in id
    /// order, the lock of each of its customers; `None` when no such partner.
    async fn lock_partner_data(&self, partner: PartnerId) -> Result<Option<Box<dyn SyncTx>>>;
}

/// A transaction that holds a partner's and its customers' locks.
#[async_trait]
pub trait SyncTx: Tx {
    /// Every customer, subscription (deleted ones too) and customer user
    /// of the partner, as this transaction sees them.
    async fn stored(&mut self, partner: PartnerId) -> Result<Stored>;

    /// Which of `ids` already name a customer, subscription or customer
    /// user in the database (of any partner).
    async fn existing_ids(&mut self, ids: &[Uuid]) -> Result<Vec<Uuid>>;

    /// Writes the change set: users removed first (freeing their UPNs),
    /// then customers, subscriptions (bases before add-ons) and users.
    async fn apply(&mut self, changes: &ChangeSet) -> Result<()>;
}

pub(super) const STORED_CUSTOMERS: &str = include_str!("sql/sync_customers.sql");
pub(super) const STORED_SUBSCRIPTIONS: &str = include_str!("sql/sync_subscriptions.sql");
pub(super) const STORED_USERS: &str = include_str!("sql/sync_users.sql");

/// The file's version of each updated record.
pub(super) fn updated<T>(changes: &[Updated<T>]) -> Vec<&T> {
    changes.iter().map(|u| &u.record).collect()
}
