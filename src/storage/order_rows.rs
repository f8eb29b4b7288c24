//! Decoding upgrade order rows into the domain.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Result, StorageError};
use crate::domain::ids::*;
use crate::domain::model::{BillingCycle, OrderState, UpgradeType};
use crate::domain::orders::credit::Money;
use crate::domain::orders::{Actor, OrderEvent, UpgradeOrder};

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    id: Uuid,
    partner_id: Uuid,
    customer_id: Uuid,
    request_id: Option<Uuid>,
    submitted_by: Option<Uuid>,
    submitted_by_app: Option<String>,
    source_subscription_id: Uuid,
    target_offer_id: String,
    target_subscription_id: Option<Uuid>,
    billing_cycle: Option<String>,
    quantity: i64,
    upgrade_type: String,
    state: String,
    credit_amount: Option<String>,
    credit_currency: Option<String>,
    report: Option<String>,
    moved_user_count: i64,
    dropped_add_ons: String,
    monthly_amount: Option<String>,
    monthly_currency: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    pub(super) order_id: Uuid,
    seq: i64,
    state: String,
    at: DateTime<Utc>,
    note: String,
}

fn corrupt(what: &str, id: Uuid) -> StorageError {
    StorageError::Corrupt(format!("order {id}: {what}"))
}

fn money(amount: Option<String>, currency: Option<String>, id: Uuid) -> Result<Option<Money>> {
    match (amount, currency) {
        (Some(a), Some(currency)) => Ok(Some(Money {
            amount: a
                .parse::<Decimal>()
                .map_err(|_| corrupt("bad amount", id))?,
            currency,
        })),
        _ => Ok(None),
    }
}

impl EventRow {
    pub(super) fn into_domain(self) -> Result<OrderEvent> {
        Ok(OrderEvent {
            seq: self.seq,
            state: OrderState::parse(&self.state)
                .ok_or_else(|| corrupt("bad event state", self.order_id))?,
            at: self.at,
            note: self.note,
        })
    }
}

impl OrderRow {
    pub(super) fn id(&self) -> Uuid {
        self.id
    }

    pub(super) fn into_domain(self, events: Vec<OrderEvent>) -> Result<UpgradeOrder> {
        let id = self.id;
        let submitted_by = match (self.submitted_by, self.submitted_by_app) {
            (Some(user), _) => Actor::User(PartnerUserId(user)),
            (None, Some(app)) => Actor::App(app),
            (None, None) => return Err(corrupt("no submitter", id)),
        };
        Ok(UpgradeOrder {
            id: OrderId(id),
            partner_id: PartnerId(self.partner_id),
            customer_id: CustomerId(self.customer_id),
            request_id: self.request_id,
            submitted_by,
            source_subscription_id: SubscriptionId(self.source_subscription_id),
            target_offer_id: OfferId::parse(&self.target_offer_id)
                .map_err(|_| corrupt("bad offer", id))?,
            target_subscription_id: self.target_subscription_id.map(SubscriptionId),
            quantity: self.quantity,
            upgrade_type: UpgradeType::parse(&self.upgrade_type)
                .ok_or_else(|| corrupt("bad type", id))?,
            billing_cycle: self
                .billing_cycle
                .map(|c| BillingCycle::parse(&c).ok_or_else(|| corrupt("bad cycle", id)))
                .transpose()?,
            state: OrderState::parse(&self.state).ok_or_else(|| corrupt("bad state", id))?,
            moved_user_count: self.moved_user_count,
            dropped_add_ons: serde_json::from_str(&self.dropped_add_ons)
                .map_err(|_| corrupt("bad dropped add-ons", id))?,
            prorated_credit: money(self.credit_amount, self.credit_currency, id)?,
            monthly_value: money(self.monthly_amount, self.monthly_currency, id)?,
            migration_report: match self.report {
                Some(r) => serde_json::from_str(&r).map_err(|_| corrupt("bad report", id))?,
                None => Vec::new(),
            },
            events,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
