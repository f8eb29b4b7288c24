//! Upgrades scheduled for the renewal (SPEC §9): cancelling one, and
//! running those that are due.
//!
//! Exactly once, whatever the number of runners: a runner first claims due
//! orders (the database arbitrates, see `OrderStore::claim_due`), then runs
//! each in a transaction of its own that takes the customer's lock and
//! reads the order again; it runs only an order still `SCHEDULED`, and the
//! same transaction writes its new state. A second runner (a lease run out,
//! a cancel, an immediate upgrade) finds it no longer scheduled and leaves it.

use std::collections::BTreeSet;

use chrono::TimeDelta;

use super::App;
use super::orders::write_and_commit;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{OrderId, SubscriptionId};
use crate::domain::model::OrderState;
use crate::domain::orders::{Actor, Refusal, UpgradeOrder, schedule};
use crate::domain::roles::{Caller, Principal};
use crate::storage::{DueOrder, OrderWrite, Result, StorageError};

/// The app id scheduled runs are audited under.
pub const RUNNER_APP_ID: &str = "scheduled-runner";

/// How long a claim keeps other runners off an order: long enough to run
/// a batch, short enough that a crashed runner's orders are soon taken over.
const LEASE: TimeDelta = TimeDelta::seconds(60);

/// How a cancellation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancellation {
    Cancelled(Box<UpgradeOrder>),
    /// The order does not wait for its renewal any more.
    Refused(Refusal),
    /// No such order of the caller's partner.
    OrderNotFound,
}

/// What one pass of a runner did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Orders this runner claimed.
    pub claimed: usize,
    /// Claimed orders this runner ran (completed, failed, or now waiting
    /// for a credit check).
    pub ran: usize,
}

impl App {
    /// Cancels a scheduled order at the caller's request (audited).
    pub async fn cancel_order(
        &self,
        caller: &Caller,
        order: OrderId,
        note: &str,
    ) -> Result<Cancellation> {
        let partner = caller.partner_id;
        let Some(before) = self.store.order(partner, order).await? else {
            return Ok(Cancellation::OrderNotFound);
        };
        let vanished = || StorageError::Corrupt(format!("order {order} vanished"));
        let mut tx = self
            .store
            .lock_customer(partner, before.customer_id)
            .await?
            .ok_or_else(vanished)?;
        // Read again under the lock: a runner may have started it.
        let current = tx.order(partner, order).await?.ok_or_else(vanished)?;
        let ctx = self.context(caller, "");
        let plan = match schedule::cancel(&ctx, &current, note) {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Cancellation::Refused(refusal)),
        };
        let write = OrderWrite::Update {
            previous_events: current.events.len(),
        };
        let action = AuditAction::CancelUpgradeOrder;
        write_and_commit(tx, caller, action, &plan, write, self.clock.now()).await?;
        self.order_written(&plan.order);
        Ok(Cancellation::Cancelled(Box::new(plan.order)))
    }

    /// One pass of a runner named `runner`: claims up to `limit` due
    /// orders and runs each.
    pub async fn run_due(&self, runner: &str, limit: u32) -> Result<RunReport> {
        let now = self.clock.now();
        let claimed = self
            .store
            .claim_due(runner, now, now + LEASE, limit)
            .await?;
        let mut report = RunReport {
            claimed: claimed.len(),
            ran: 0,
        };
        for due in claimed {
            if let Some(order) = self.run_one(due).await? {
                report.ran += 1;
                self.order_written(&order);
            }
        }
        Ok(report)
    }

    /// Runs passes until one claims fewer than `batch` orders: everything
    /// due now. Returns the totals.
    pub async fn run_all_due(&self, runner: &str, batch: u32) -> Result<RunReport> {
        let mut total = RunReport::default();
        loop {
            let pass = self.run_due(runner, batch).await?;
            total.claimed += pass.claimed;
            total.ran += pass.ran;
            if pass.claimed < batch as usize {
                return Ok(total);
            }
        }
    }

    /// Runs one claimed order if it still waits; `None` when it does not.
    async fn run_one(&self, due: DueOrder) -> Result<Option<UpgradeOrder>> {
        let Some(mut tx) = self.store.lock_customer(due.partner, due.customer).await? else {
            return Ok(None);
        };
        let Some(order) = tx.order(due.partner, due.order).await? else {
            return Ok(None);
        };
        if order.state != OrderState::Scheduled {
            return Ok(None);
        }
        let snapshot = tx
            .snapshot(due.partner, due.customer)
            .await?
            .ok_or_else(|| StorageError::Corrupt(format!("customer {} vanished", due.customer)))?;
        // Checked again as the submitter: a user may still transfer
        // licenses only if the customer's delegated roles allow it.
        let submitter = submitter(&order);
        let currency = order
            .monthly_value
            .as_ref()
            .map_or("", |m| m.currency.as_str());
        let ctx = self.context(&submitter, currency);
        let plan = match schedule::run(&ctx, &snapshot, &order, SubscriptionId::new_v7()) {
            Ok(plan) => plan,
            Err(_) => return Ok(None),
        };
        let write = OrderWrite::Update {
            previous_events: order.events.len(),
        };
        let runner = runner_caller(&order);
        let action = AuditAction::RunScheduledUpgrade;
        write_and_commit(tx, &runner, action, &plan, write, ctx.now).await?;
        Ok(Some(plan.order))
    }
}

/// The caller a scheduled order is checked again as: its submitter.
fn submitter(order: &UpgradeOrder) -> Caller {
    let principal = match &order.submitted_by {
        Actor::User(id) => Principal::User {
            id: *id,
            upn: String::new(),
            display_name: String::new(),
        },
        Actor::App(app_id) => Principal::App {
            app_id: app_id.clone(),
        },
    };
    Caller {
        partner_id: order.partner_id,
        principal,
        roles: BTreeSet::new(),
    }
}

/// Who the audit log says ran a scheduled order.
fn runner_caller(order: &UpgradeOrder) -> Caller {
    Caller {
        partner_id: order.partner_id,
        principal: Principal::App {
            app_id: RUNNER_APP_ID.to_owned(),
        },
        roles: BTreeSet::new(),
    }
}
