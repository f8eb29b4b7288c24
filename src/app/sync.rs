//! Syncing a partner's fresh export (SPEC §11).
//!
//! One transaction: it takes the partner's lock and every one of its
//! customers' locks (those submissions take), reads what is stored, lets the
//! domain compute the change set, and writes it with its audit record, or,
//! for a dry run, drops the transaction having written nothing. After the
//! commit the touched customers' cached snapshots are dropped here and on
//! every replica (the change bus here; Postgres' triggers announce the rows
//! to the others in the same transaction).

use std::collections::BTreeMap;

use uuid::Uuid;

use super::App;
use crate::domain::audit::{Actor, AuditAction, AuditOutcome, AuditRecord, AuditTarget};
use crate::domain::dataset::DatasetError;
use crate::domain::ids::{AuditRecordId, PartnerId};
use crate::domain::sync::{self, ChangeSet, Report, Wanted};
use crate::storage::Result;
use crate::storage::changes::Change;

/// Customers touched beyond which one "everything changed" replaces their
/// announcements (and every cache starts afresh).
const ANNOUNCED_ONE_BY_ONE: usize = 1000;

/// How a sync ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Applied (or, for a dry run, what would be): the report says what.
    Synced(Report),
    /// The partner does not exist (or is not the caller's).
    PartnerNotFound,
    /// Records the file holds under another customer than the service does.
    Invalid(Vec<DatasetError>),
    /// New records whose ids are taken by another partner's records.
    OtherPartnersIds(Vec<Uuid>),
}

/// Who asked for a sync, and of what.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    pub actor: Actor,
    /// The partner's part of the validated file; the sync takes it (its
    /// records move into the change set rather than being copied).
    pub wanted: Wanted,
    /// What the file was, for the audit record (a path, or the RPC).
    pub source: String,
    pub dry_run: bool,
}

impl App {
    pub async fn sync(&self, request: SyncRequest) -> Result<SyncOutcome> {
        let SyncRequest {
            actor,
            wanted,
            source,
            dry_run,
        } = request;
        let partner = wanted.partner.id;
        let Some(mut tx) = self.store.lock_partner_data(partner).await? else {
            return Ok(SyncOutcome::PartnerNotFound);
        };
        let stored = tx.stored(partner).await?;
        let changes = match sync::diff(wanted, &stored) {
            Ok(changes) => changes,
            Err(errors) => return Ok(SyncOutcome::Invalid(errors)),
        };
        drop(stored);
        let taken = tx.existing_ids(&new_ids(&changes)).await?;
        if !taken.is_empty() {
            return Ok(SyncOutcome::OtherPartnersIds(taken));
        }
        let report = Report::new(&changes, dry_run);
        if dry_run {
            // Dropping the transaction rolls it back: nothing was written.
            return Ok(SyncOutcome::Synced(report));
        }
        tx.apply(&changes).await?;
        tx.insert_audit(&self.sync_record(partner, &actor, &source, &report))
            .await?;
        tx.commit().await?;
        let touched = changes.customers_touched();
        if touched.len() > ANNOUNCED_ONE_BY_ONE {
            self.bus.written(Change::Everything);
        } else {
            for customer in touched {
                self.bus.written(Change::Customer(customer));
            }
        }
        tracing::info!(
            partner = %partner,
            source = %source,
            by = ?actor,
            changes = %report.summary(),
            "partner data synced"
        );
        Ok(SyncOutcome::Synced(report))
    }

    fn sync_record(
        &self,
        partner: PartnerId,
        actor: &Actor,
        source: &str,
        report: &Report,
    ) -> AuditRecord {
        let mut details = BTreeMap::from([("source".to_owned(), source.to_owned())]);
        let counts = &report.counts;
        for (kind, k) in [
            ("customers", counts.customers),
            ("subscriptions", counts.subscriptions),
            ("customer_users", counts.customer_users),
        ] {
            for (action, n) in [
                ("inserted", k.inserted),
                ("updated", k.updated),
                ("deleted", k.deleted),
            ] {
                details.insert(format!("{kind}_{action}"), n.to_string());
            }
        }
        AuditRecord {
            id: AuditRecordId::new_v7(),
            partner_id: partner,
            at: self.clock.now(),
            actor: actor.clone(),
            action: AuditAction::SyncPartnerData,
            target: AuditTarget::Partner(partner),
            role: None,
            outcome: if report.changed {
                AuditOutcome::Succeeded
            } else {
                AuditOutcome::NoChange
            },
            refusal: None,
            details,
        }
    }
}

/// The ids of the records the change set inserts.
fn new_ids(changes: &ChangeSet) -> Vec<Uuid> {
    let customers = changes.customers.inserted.iter().map(|c| c.id.0);
    let subscriptions = changes.subscriptions.inserted.iter().map(|s| s.id.0);
    let users = changes.users.inserted.iter().map(|u| u.id.0);
    customers.chain(subscriptions).chain(users).collect()
}
