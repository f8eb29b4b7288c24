//! Submitting an upgrade order and resolving its credit check.
//!
//! Both decide inside the transaction that writes, after taking the
//! customer's lock and reading the snapshot in it: nothing can change
//! between the eligibility check and the write, and every effect, the order,
//! its events and its audit record commit together or not at all.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use uuid::Uuid;

use super::App;
use crate::domain::audit::{self, AuditAction};
use crate::domain::ids::{AuditRecordId, CustomerId, OrderId, SubscriptionId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::orders::{
    self, Context, Decision, NewIds, Plan, Refusal, UpgradeOrder, UpgradeRequest, schedule,
};
use crate::domain::roles::Caller;
use crate::storage::changes::Change;
use crate::storage::{KeyUse, OrderAtVersion, OrderTx, OrderWrite, Result, StorageError};
use crate::telemetry::metrics;

/// Customers whose upgrades [`App::submit_many`] runs at the same time.
const CUSTOMERS_IN_FLIGHT: usize = 8;

/// One submission: the request, its idempotency key and its fingerprint.
#[derive(Clone, Copy)]
struct Wanted<'a> {
    request: &'a UpgradeRequest,
    request_id: Uuid,
    fingerprint: &'a str,
}

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
        let item = Wanted {
            request,
            request_id,
            fingerprint: &fingerprint,
        };
        let first = self
            .submit_optimistic(caller, std::slice::from_ref(&item))
            .await
            .map(|mut answers| answers.pop().flatten());
        self.finish(caller, &item, first).await
    }

    /// Submits many upgrades, each under its own idempotency key and each
    /// exactly as [`submit`](Self::submit) would on its own, answered in the
    /// same order. One customer's upgrades run one after the other in the
    /// order given, so the second is decided on a snapshot that holds the
    /// first (SPEC §5); different customers' run at the same time. Where the
    /// store has the lock-free path, the first upgrade of every customer is
    /// read in one statement and written in one: a batch costs the database
    /// two statements, not two per upgrade.
    pub async fn submit_many(
        &self,
        caller: &Caller,
        items: &[(UpgradeRequest, Uuid)],
    ) -> Vec<Result<Submission>> {
        let fingerprints: Vec<String> = items.iter().map(|(r, _)| r.fingerprint()).collect();
        let wanted: Vec<Wanted> = items
            .iter()
            .zip(&fingerprints)
            .map(|((request, request_id), fingerprint)| Wanted {
                request,
                request_id: *request_id,
                fingerprint,
            })
            .collect();
        // Each customer's items, in the order given.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of: HashMap<CustomerId, usize> = HashMap::new();
        for (i, item) in wanted.iter().enumerate() {
            let group = *group_of.entry(item.request.customer_id).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[group].push(i);
        }
        let firsts: Vec<Wanted> = groups.iter().map(|g| wanted[g[0]]).collect();
        let tried: Vec<Option<Submission>> = match self.submit_optimistic(caller, &firsts).await {
            Ok(answers) => answers,
            Err(e) => {
                // Nothing of the statement was written (a key raced in, or
                // the database failed): each upgrade goes its own way.
                tracing::info!(error = %e, "a batch's lock-free submission failed; its items go one by one");
                vec![None; firsts.len()]
            }
        };
        let runs = groups.into_iter().zip(tried).map(|(group, first)| {
            let wanted = &wanted;
            async move {
                let mut answers = Vec::with_capacity(group.len());
                let head = &wanted[group[0]];
                answers.push((group[0], self.finish(caller, head, Ok(first)).await));
                for &i in &group[1..] {
                    let item = &wanted[i];
                    answers.push((i, self.submit(caller, item.request, item.request_id).await));
                }
                answers
            }
        });
        let mut answers: Vec<Option<Result<Submission>>> = items.iter().map(|_| None).collect();
        let mut done = futures::stream::iter(runs).buffer_unordered(CUSTOMERS_IN_FLIGHT);
        while let Some(group) = done.next().await {
            for (i, answer) in group {
                answers[i] = Some(answer);
            }
        }
        answers.into_iter().flatten().collect()
    }

    /// A submission after its lock-free try (`first`): the locked path when
    /// that did not decide, a key that raced in answered with its order,
    /// and the outcome announced and counted.
    async fn finish(
        &self,
        caller: &Caller,
        item: &Wanted<'_>,
        first: Result<Option<Submission>>,
    ) -> Result<Submission> {
        let submitted = match first {
            Ok(Some(submission)) => Ok(submission),
            Ok(None) => {
                self.submit_locked(caller, item.request, item.request_id, item.fingerprint)
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
                    .key_use(caller.partner_id, item.request_id)
                    .await?
                    .ok_or_else(|| StorageError::Corrupt("key conflict without an order".into()))?;
                let order = self.store.order(caller.partner_id, used.order).await?;
                key_used(used, order, item.fingerprint)?
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

    /// The submissions of `items` (no two of one customer) without the
    /// customers' locks, where the store has that path
    /// ([`crate::storage::OptimisticOrders`]): decided on snapshots read at
    /// a version, all in one statement, and written in one, each if its
    /// customer's version has not moved. An answer per item; `None` where
    /// the submission must take the lock instead: no such path, the
    /// customer not found (the locked path says so), a scheduled order to
    /// supersede (read and cancelled under the lock), or another write came
    /// first.
    async fn submit_optimistic(
        &self,
        caller: &Caller,
        items: &[Wanted<'_>],
    ) -> Result<Vec<Option<Submission>>> {
        let mut answers: Vec<Option<Submission>> = vec![None; items.len()];
        let Some(store) = self.store.optimistic() else {
            return Ok(answers);
        };
        let partner = caller.partner_id;
        let wanted: Vec<_> = items
            .iter()
            .map(|w| (w.request.customer_id, w.request_id))
            .collect();
        let reads = store.submission_reads(partner, &wanted).await?;
        let mut plans = Vec::new();
        for (i, (item, read)) in items.iter().zip(reads).enumerate() {
            let Some(read) = read else { continue };
            // Read with the snapshot: the same key sent twice at once is
            // replayed once the first is written, never planned again on a
            // snapshot that holds the first order.
            if let Some(used) = read.key_use {
                let order = self.store.order(partner, used.order).await?;
                answers[i] = Some(key_used(used, order, item.fingerprint)?);
                continue;
            }
            match self.plan_new(caller, &read.snapshot, item.request, item.request_id) {
                Err(refusal) => answers[i] = Some(Submission::Refused(refusal)),
                Ok(plan) if plan.supersedes.is_some() => {}
                Ok(plan) => {
                    let action = AuditAction::SubmitUpgrade;
                    let id = AuditRecordId::new_v7();
                    let record = audit::order_record(caller, action, &plan.order, id);
                    plans.push((i, read.version, plan, record));
                }
            }
        }
        if plans.is_empty() {
            return Ok(answers);
        }
        let orders: Vec<OrderAtVersion> = plans
            .iter()
            .map(|(i, version, plan, audit)| OrderAtVersion {
                version: *version,
                plan,
                fingerprint: items[*i].fingerprint,
                audit,
            })
            .collect();
        let written = store.insert_orders_at_versions(&orders).await?;
        for ((i, _, plan, _), written) in plans.into_iter().zip(written) {
            if written {
                answers[i] = Some(Submission::Created(plan.order));
            } else {
                metrics::optimistic_submission_retried();
            }
        }
        Ok(answers)
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
