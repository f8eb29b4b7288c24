//! Upgrade orders and their events.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{Database, Encode, Type};
use uuid::Uuid;

use super::{Bound, insert_statement, stored_time};
use crate::domain::ids::*;
use crate::domain::model::{BillingCycle, OrderState, UpgradeType};
use crate::domain::orders::credit::Money;
use crate::domain::orders::{Actor, OrderEvent, UpgradeOrder};
use crate::storage::{DueOrder, Result, StorageError};

/// A row of `upgrade_orders`, read with `SELECT o.*` and written by
/// [`bind_order`] into the statement of [`OrderRow::COLUMNS`].
#[derive(sqlx::FromRow)]
pub(in crate::storage) struct OrderRow {
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
    partial: bool,
    into_existing: bool,
    user_ids: String,
    scheduled_for: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The order that used an idempotency key, and the fingerprint of the
/// request that did.
#[derive(sqlx::FromRow)]
pub(in crate::storage) struct KeyRow {
    pub id: Uuid,
    pub request_hash: Option<String>,
}

/// A due scheduled order a runner claimed (`claim_due.sql`).
#[derive(sqlx::FromRow)]
pub(in crate::storage) struct DueRow {
    partner_id: Uuid,
    customer_id: Uuid,
    id: Uuid,
}

impl DueRow {
    pub(in crate::storage) fn into_domain(self) -> DueOrder {
        DueOrder {
            partner: PartnerId(self.partner_id),
            customer: CustomerId(self.customer_id),
            order: OrderId(self.id),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::storage) struct EventRow {
    pub order_id: Uuid,
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
    pub(in crate::storage) fn into_domain(self) -> Result<OrderEvent> {
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
    /// The columns [`bind_order`] binds, in its order.
    pub(in crate::storage) const COLUMNS: &[&str] = &[
        "id",
        "partner_id",
        "customer_id",
        "request_id",
        "request_hash",
        "submitted_by",
        "submitted_by_app",
        "source_subscription_id",
        "target_offer_id",
        "target_subscription_id",
        "billing_cycle",
        "quantity",
        "upgrade_type",
        "state",
        "outcome",
        "credit_amount",
        "credit_currency",
        "report",
        "moved_user_count",
        "dropped_add_ons",
        "monthly_amount",
        "monthly_currency",
        "partial",
        "into_existing",
        "user_ids",
        "scheduled_for",
        "created_at",
        "updated_at",
    ];

    pub(in crate::storage) fn id(&self) -> Uuid {
        self.id
    }

    pub(in crate::storage) fn into_domain(self, events: Vec<OrderEvent>) -> Result<UpgradeOrder> {
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
            partial: self.partial,
            into_existing: self.into_existing,
            user_ids: serde_json::from_str(&self.user_ids)
                .map_err(|_| corrupt("bad user ids", id))?,
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
            scheduled_for: self.scheduled_for,
            events,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Inserts an order (see [`bind_order`]).
pub(in crate::storage) static INSERT_ORDER: LazyLock<String> =
    LazyLock::new(|| insert_statement("upgrade_orders", OrderRow::COLUMNS));

/// Binds a new order as [`OrderRow::COLUMNS`] lists its columns;
/// `fingerprint` is the request's (see `UpgradeRequest::fingerprint`).
pub(in crate::storage) fn bind_order<'q, DB>(
    query: Bound<'q, DB>,
    o: &'q UpgradeOrder,
    fingerprint: &'q str,
) -> Bound<'q, DB>
where
    DB: Database,
    Uuid: Encode<'q, DB> + Type<DB>,
    Option<Uuid>: Encode<'q, DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB>,
    i64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
    Option<DateTime<Utc>>: Encode<'q, DB>,
{
    let credit = o.prorated_credit.as_ref();
    let monthly = o.monthly_value.as_ref();
    let (user, app) = match &o.submitted_by {
        Actor::User(u) => (Some(u.0), None),
        Actor::App(a) => (None, Some(a.as_str())),
    };
    query
        .bind(o.id.0)
        .bind(o.partner_id.0)
        .bind(o.customer_id.0)
        .bind(o.request_id)
        .bind(fingerprint)
        .bind(user)
        .bind(app)
        .bind(o.source_subscription_id.0)
        .bind(o.target_offer_id.as_str())
        .bind(o.target_subscription_id.map(|t| t.0))
        .bind(o.billing_cycle.map(|c| c.as_str()))
        .bind(o.quantity)
        .bind(o.upgrade_type.as_str())
        .bind(o.state.as_str())
        .bind(o.outcome().as_str())
        .bind(credit.map(|c| c.amount.to_string()))
        .bind(credit.map(|c| c.currency.as_str()))
        .bind(report_json(o))
        .bind(o.moved_user_count)
        .bind(dropped_json(o))
        .bind(monthly.map(|m| m.amount.to_string()))
        .bind(monthly.map(|m| m.currency.as_str()))
        .bind(o.partial)
        .bind(o.into_existing)
        .bind(users_json(o))
        .bind(o.scheduled_for.map(stored_time))
        .bind(stored_time(o.created_at))
        .bind(stored_time(o.updated_at))
}

/// Binds `$1`..`$10` of `sql/update_order.sql`: what a resolution changes.
pub(in crate::storage) fn bind_order_update<'q, DB>(
    query: Bound<'q, DB>,
    o: &'q UpgradeOrder,
) -> Bound<'q, DB>
where
    DB: Database,
    Uuid: Encode<'q, DB> + Type<DB>,
    Option<Uuid>: Encode<'q, DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB>,
    i64: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    let credit = o.prorated_credit.as_ref();
    query
        .bind(o.id.0)
        .bind(o.state.as_str())
        .bind(o.outcome().as_str())
        .bind(o.target_subscription_id.map(|t| t.0))
        .bind(report_json(o))
        .bind(o.moved_user_count)
        .bind(dropped_json(o))
        .bind(credit.map(|c| c.amount.to_string()))
        .bind(credit.map(|c| c.currency.as_str()))
        .bind(stored_time(o.updated_at))
}

fn report_json(o: &UpgradeOrder) -> String {
    serde_json::to_string(&o.migration_report).expect("a report serializes")
}

fn dropped_json(o: &UpgradeOrder) -> String {
    serde_json::to_string(&o.dropped_add_ons).expect("subscription refs serialize")
}

fn users_json(o: &UpgradeOrder) -> String {
    serde_json::to_string(&o.user_ids).expect("user ids serialize")
}
