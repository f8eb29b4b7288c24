//! Submitting an upgrade order and resolving its credit check.
//!
//! Both decide inside the transaction that writes, after taking the
//! customer's lock and reading the snapshot in it: nothing can change
//! between the eligibility check and the write, and every effect, the order,
//! its events and its audit record commit together or not at all.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::audit::{self, AuditAction};
use crate::domain::ids::{AuditRecordId, OrderId, SubscriptionId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::orders::{
    self, Context, Decision, NewIds, Plan, Refusal, UpgradeOrder, UpgradeRequest, schedule,
};
use crate::domain::roles::Caller;
use crate::storage::changes::Change;
use crate::storage::{KeyUse, OrderTx, OrderWrite, Result, StorageError};
use crate::telemetry::metrics;

/// How a submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// A new order was written (executed, or waiting for a credit check).
    Created(UpgradeOrder),
    /// The key was used before for the same request: the original order.
    Replayed(UpgradeOrder),
    /// The key was used before for a different request.
    KeyReused(OrderId),
    /// The domain refused; nothing was written.
    Refused(Refusal),
    CustomerNotFound,
}

/// How a credit check resolution ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The order after it: executed, failed on approval, or rejected.
    Resolved(Box<UpgradeOrder>),
    /// The domain refused (the order is not waiting); nothing was written.
    Refused(Refusal),
    /// No such order of the caller's partner.
    OrderNotFound,
}

impl App {
    /// What the domain decides with: the catalog, the time now, and the
    /// credit check threshold of `currency`.
    pub fn context<'a>(&'a self, caller: &'a Caller, currency: &str) -> Context<'a> {
        Context {
            catalog: &self.catalog,
            caller,
            now: self.clock.now(),
            credit_check_threshold: self.policy.credit_check_threshold(currency),
        }
    }

    /// The context of deciding `request`: in the currency of its target.
    pub fn request_context<'a>(
        &'a self,
        caller: &'a Caller,
        request: &UpgradeRequest,
    ) -> Context<'a> {
        let currency = self
            .catalog
            .offer(&request.target_offer_id)
            .map_or("", |o| o.currency.as_str());
        self.context(caller, currency)
    }

    /// Submits an upgrade under the client's idempotency key `request_id`.
    pub async fn submit(
        &self,
        caller: &Caller,
        request: &UpgradeRequest,
        request_id: Uuid,
    ) -> Result<Submission> {
        let fingerprint = request.fingerprint();
        let submitted = match self
            .submit_optimistic(caller, request, request_id, &fingerprint)
            .await
        {
            Ok(Some(submission)) => Ok(submission),
            Ok(None) => {
                self.submit_locked(caller, request, request_id, &fingerprint)
                    .await
            }
            Err(e) => Err(e),
        };
        let submission = match submitted {
            // The same key raced in through another customer's lock: the
            // unique (partner, key) index refused our insert.
            Err(StorageError::Conflict(_)) => {
                let used = self
                    .store
                    .key_use(caller.partner_id, request_id)
                    .await?
                    .ok_or_else(|| StorageError::Corrupt("key conflict without an order".into()))?;
                let order = self.store.order(caller.partner_id, used.order).await?;
                key_used(used, order, &fingerprint)?
            }
            other => other?,
        };
        match &submission {
            Submission::Created(order) => self.order_written(order),
            Submission::Refused(_) => metrics::upgrade_order("REFUSED"),
            _ => {}
        }
        Ok(submission)
    }

    /// The submission without the customer's lock, where the store has
    /// that path ([`crate::storage::OptimisticOrders`]): decided on a snapshot read at a
    /// version, written in one statement if the version has not moved.
    /// `None` when the submission must take the lock instead: no such path,
    /// the customer not found (the locked path says so), a scheduled order
    /// to supersede (read and cancelled under the lock), or another write
    /// came first.
    async fn submit_optimistic(
        &self,
        caller: &Caller,
        request: &UpgradeRequest,
        request_id: Uuid,
        fingerprint: &str,
    ) -> Result<Option<Submission>> {
        let Some(store) = self.store.optimistic() else {
            return Ok(None);
        };
        let partner = caller.partner_id;
        let Some(read) = store
            .submission_read(partner, request.customer_id, request_id)
            .await?
        else {
            return Ok(None);
        };
        // Read with the snapshot: the same key sent twice at once is
        // replayed once the first is written, never planned again on a
        // snapshot that holds the first order.
        if let Some(used) = read.key_use {
            let order = self.store.order(partner, used.order).await?;
            return key_used(used, order, fingerprint).map(Some);
        }
        let plan = match self.plan_new(caller, &read.snapshot, request, request_id) {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Some(Submission::Refused(refusal))),
        };
        if plan.supersedes.is_some() {
            return Ok(None);
        }
        let action = AuditAction::SubmitUpgrade;
        let record = audit::order_record(caller, action, &plan.order, AuditRecordId::new_v7());
        let written = store
            .insert_order_at_version(read.version, &plan, fingerprint, &record)
            .await?;
        if !written {
            metrics::optimistic_submission_retried();
            return Ok(None);
        }
        Ok(Some(Submission::Created(plan.order)))
    }

    async fn submit_locked(
        &self,
        caller: &Caller,
        request: &UpgradeRequest,
        request_id: Uuid,
        fingerprint: &str,
    ) -> Result<Submission> {
        let (partner, customer) = (caller.partner_id, request.customer_id);
        let Some(mut tx) = self.store.lock_customer(partner, customer).await? else {
            return Ok(Submission::CustomerNotFound);
        };
        // Looked up under the lock: the same key sent twice at once is then
        // replayed, not planned again on a snapshot that already holds the
        // first order.
        if let Some(used) = tx.key_use(partner, request_id).await? {
            let order = tx.order(partner, used.order).await?;
            return key_used(used, order, fingerprint);
        }
        let snapshot = tx.snapshot(partner, customer).await?.ok_or_else(|| {
            StorageError::Corrupt(format!("customer {customer} vanished under its lock"))
        })?;
        let plan = match self.plan_new(caller, &snapshot, request, request_id) {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Submission::Refused(refusal)),
        };
        let write = OrderWrite::New { fingerprint };
        let action = AuditAction::SubmitUpgrade;
        // The decision's time: a new order is created at it.
        let now = plan.order.created_at;
        write_and_commit(tx, caller, action, &plan, write, now).await?;
        Ok(Submission::Created(plan.order))
    }

    /// What the domain decides for a new submission on `snapshot`, with
    /// fresh ids for the order and the subscription it may create.
    fn plan_new(
        &self,
        caller: &Caller,
        snapshot: &CustomerSnapshot,
        request: &UpgradeRequest,
        request_id: Uuid,
    ) -> std::result::Result<Plan, Refusal> {
        let ids = NewIds {
            order: OrderId::new_v7(),
            target_subscription: SubscriptionId::new_v7(),
        };
        let ctx = self.request_context(caller, request);
        orders::plan(&ctx, snapshot, request, request_id, ids)
    }

    /// Approves or rejects an order waiting for a credit check.
    pub async fn resolve_credit_check(
        &self,
        caller: &Caller,
        order: OrderId,
        decision: Decision,
        note: &str,
    ) -> Result<Resolution> {
        let partner = caller.partner_id;
        let Some(before) = self.store.order(partner, order).await? else {
            return Ok(Resolution::OrderNotFound);
        };
        let vanished = || StorageError::Corrupt(format!("order {order} vanished"));
        let mut tx = self
            .store
            .lock_customer(partner, before.customer_id)
            .await?
            .ok_or_else(vanished)?;
        // Read again under the lock: another approver may have been first.
        let current = tx.order(partner, order).await?.ok_or_else(vanished)?;
        let snapshot = tx
            .snapshot(partner, current.customer_id)
            .await?
            .ok_or_else(vanished)?;
        let currency = current
            .monthly_value
            .as_ref()
            .map_or("", |m| m.currency.as_str());
        let ctx = self.context(caller, currency);
        let target = SubscriptionId::new_v7();
        let plan = match orders::resolve(&ctx, &snapshot, &current, decision, note, target) {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Resolution::Refused(refusal)),
        };
        let action = match decision {
            Decision::Approve => AuditAction::ApproveCreditCheck,
            Decision::Reject => AuditAction::RejectCreditCheck,
        };
        let write = OrderWrite::Update {
            previous_events: current.events.len(),
        };
        write_and_commit(tx, caller, action, &plan, write, ctx.now).await?;
        self.order_written(&plan.order);
        Ok(Resolution::Resolved(Box::new(plan.order)))
    }

    /// After the commit: drop the customer's cached snapshot, wake the
    /// order's watchers, count it.
    pub(super) fn order_written(&self, order: &UpgradeOrder) {
        self.bus.written(Change::Customer(order.customer_id));
        tracing::info!(order = %order.id, state = %order.state, outcome = %order.outcome(), "upgrade order written");
        metrics::upgrade_order(order.outcome().as_str());
    }
}

/// Writes the plan and its audit record, cancels the scheduled order an
/// executed upgrade supersedes (SPEC §9; audited too), and commits.
pub(super) async fn write_and_commit(
    mut tx: Box<dyn OrderTx>,
    caller: &Caller,
    action: AuditAction,
    plan: &Plan,
    write: OrderWrite<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.write_order(plan, write).await?;
    let record = audit::order_record(caller, action, &plan.order, AuditRecordId::new_v7());
    tx.insert_audit(&record).await?;
    let superseded = match plan.supersedes {
        Some(id) => tx.order(plan.order.partner_id, id).await?,
        None => None,
    };
    if let Some(scheduled) = superseded
        && let Some(cancelled) = schedule::supersede(&scheduled, plan.order.id, now)
    {
        let write = OrderWrite::Update {
            previous_events: scheduled.events.len(),
        };
        let cancel = Plan {
            order: cancelled,
            effects: None,
            supersedes: None,
        };
        tx.write_order(&cancel, write).await?;
        let action = AuditAction::CancelUpgradeOrder;
        let record = audit::order_record(caller, action, &cancel.order, AuditRecordId::new_v7());
        tx.insert_audit(&record).await?;
        tracing::info!(order = %cancel.order.id, by = %plan.order.id, "scheduled upgrade order cancelled by an immediate upgrade");
    }
    tx.commit().await
}

/// The answer to a request whose key an order already used: that order
/// when the request matches.
fn key_used(used: KeyUse, order: Option<UpgradeOrder>, fingerprint: &str) -> Result<Submission> {
    if used.fingerprint.as_deref() != Some(fingerprint) {
        return Ok(Submission::KeyReused(used.order));
    }
    let order =
        order.ok_or_else(|| StorageError::Corrupt(format!("order {} vanished", used.order)))?;
    Ok(Submission::Replayed(order))
}
