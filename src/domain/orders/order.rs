//! The upgrade order as the domain sees it: request, state, events, outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::credit::Money;
use super::report::MigrationItem;
use crate::domain::eligibility::SubscriptionRef;
use crate::domain::ids::*;
use crate::domain::model::{BillingCycle, OrderState, UpgradeType, text_enum};

/// What the client asked for. The server owns everything else (ids, money, time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRequest {
    pub customer_id: CustomerId,
    pub subscription_id: SubscriptionId,
    pub target_offer_id: OfferId,
    pub quantity: i64,
    pub upgrade_type: UpgradeType,
    /// `None`: keep the source's billing cycle.
    pub billing_cycle: Option<BillingCycle>,
    /// Move only `quantity` seats, fewer than the source's; the source stays
    /// with the rest (SPEC §8). Explicit, so that a stale quantity never
    /// turns a full upgrade into a partial one.
    pub partial: bool,
    /// With license transfer in a partial upgrade: exactly these users move
    /// (sorted, no duplicates). Empty: all of the source's users in a full
    /// upgrade, none in a partial one.
    pub user_ids: Vec<CustomerUserId>,
    /// The seats go to this existing subscription instead of a new one.
    pub into_subscription: Option<SubscriptionId>,
    /// Now, or at the source's period end (SPEC §9).
    pub schedule: Schedule,
}

/// When an upgrade runs (SPEC §9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Schedule {
    #[default]
    Now,
    /// At the source's current period end: the order waits in `SCHEDULED`.
    AtRenewal,
}

impl UpgradeRequest {
    /// A canonical form of the request, stored with its idempotency key: a
    /// retry must match it exactly to get the first result back.
    pub fn fingerprint(&self) -> String {
        format!(
            "v1|{}|{}|{}|{}|{}|{}",
            self.customer_id,
            self.subscription_id,
            self.target_offer_id,
            self.quantity,
            self.upgrade_type,
            self.billing_cycle.map_or("", |c| c.as_str())
        ) + &self.fingerprint_extension()
    }

    /// The request an order was made from (to check it again later).
    pub fn of_order(order: &UpgradeOrder) -> Self {
        UpgradeRequest {
            customer_id: order.customer_id,
            subscription_id: order.source_subscription_id,
            target_offer_id: order.target_offer_id.clone(),
            quantity: order.quantity,
            upgrade_type: order.upgrade_type,
            billing_cycle: order.billing_cycle,
            partial: order.partial,
            user_ids: order.user_ids.clone(),
            into_subscription: order.target_subscription_id.filter(|_| order.into_existing),
            schedule: Schedule::Now,
        }
    }

    /// SPEC §8's fields, appended only when used: the fingerprints of
    /// requests without them stay as they were stored.
    fn fingerprint_extension(&self) -> String {
        let mut more = String::new();
        if self.partial {
            more.push_str("|partial");
        }
        if !self.user_ids.is_empty() {
            let users: Vec<String> = self.user_ids.iter().map(|u| u.to_string()).collect();
            more.push_str(&format!("|users={}", users.join(",")));
        }
        if let Some(into) = self.into_subscription {
            more.push_str(&format!("|into={into}"));
        }
        if self.schedule == Schedule::AtRenewal {
            more.push_str("|at_renewal");
        }
        more
    }
}

/// Who submitted an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    User(PartnerUserId),
    App(String),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::App(id) => write!(f, "app:{id}"),
        }
    }
}

text_enum!(/// What happened, in one word a client can branch on. Partial success is
/// never plain success: an order whose accounts need work says so.
Outcome {
    /// Done; no account needs extra work.
    CompletedClean = "COMPLETED_CLEAN",
    /// Done; the migration report lists accounts that need work.
    CompletedWithAccountsNeedingWork = "COMPLETED_WITH_ACCOUNTS_NEEDING_WORK",
    /// Waiting for a credit check; nothing has moved yet.
    Waiting = "WAITING",
    /// Not executed (e.g. no longer eligible when the credit check was approved).
    Failed = "FAILED",
    /// The credit check was rejected; nothing moved.
    Rejected = "REJECTED",
    /// Waiting for the source's period end; nothing has moved yet.
    Scheduled = "SCHEDULED",
    /// A scheduled order cancelled before it ran; nothing moved.
    Cancelled = "CANCELLED",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// 1-based, in the order the events happened.
    pub seq: i64,
    pub state: OrderState,
    pub at: DateTime<Utc>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeOrder {
    pub id: OrderId,
    pub partner_id: PartnerId,
    pub customer_id: CustomerId,
    /// The idempotency key; `None` for imported orders.
    pub request_id: Option<Uuid>,
    pub submitted_by: Actor,
    pub source_subscription_id: SubscriptionId,
    pub target_offer_id: OfferId,
    /// Set once the order executed; from the start when the seats go to an
    /// existing subscription (`into_existing`).
    pub target_subscription_id: Option<SubscriptionId>,
    /// Seats the target receives.
    pub quantity: i64,
    /// Fewer seats than the source's moved; the source stays (SPEC §8).
    pub partial: bool,
    /// The seats went (go) to an existing subscription.
    pub into_existing: bool,
    /// The users named to move (partial upgrades with license transfer).
    pub user_ids: Vec<CustomerUserId>,
    pub upgrade_type: UpgradeType,
    pub billing_cycle: Option<BillingCycle>,
    pub state: OrderState,
    pub moved_user_count: i64,
    pub dropped_add_ons: Vec<SubscriptionRef>,
    pub prorated_credit: Option<Money>,
    pub monthly_value: Option<Money>,
    pub migration_report: Vec<MigrationItem>,
    /// A scheduled order's due time: the source's period end when it was
    /// submitted (SPEC §9); `None` for an order that ran at once.
    pub scheduled_for: Option<DateTime<Utc>>,
    pub events: Vec<OrderEvent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UpgradeOrder {
    pub fn outcome(&self) -> Outcome {
        match self.state {
            OrderState::Completed if self.migration_report.is_empty() => Outcome::CompletedClean,
            OrderState::Completed => Outcome::CompletedWithAccountsNeedingWork,
            OrderState::PendingCreditCheck | OrderState::InProgress => Outcome::Waiting,
            OrderState::Failed => Outcome::Failed,
            OrderState::Rejected => Outcome::Rejected,
            OrderState::Scheduled => Outcome::Scheduled,
            OrderState::Cancelled => Outcome::Cancelled,
        }
    }

    /// Moves the order to `state`, recording the event.
    pub fn transition(&mut self, state: OrderState, at: DateTime<Utc>, note: impl Into<String>) {
        let seq = self.events.len() as i64 + 1;
        self.events.push(OrderEvent {
            seq,
            state,
            at,
            note: note.into(),
        });
        self.state = state;
        self.updated_at = at;
    }
}

impl OrderState {
    /// No further change will happen.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Completed
                | OrderState::Failed
                | OrderState::Rejected
                | OrderState::Cancelled
        )
    }
}
