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

/// A row of `upgrade_order_events`; Postgres' one-statement write
/// (insert_orders_at_versions.sql) reads new ones as JSON keyed by column.
#[derive(sqlx::FromRow, serde::Serialize)]
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
    /// The row of an event of `order` (its time to the microsecond).
    pub(in crate::storage) fn of(order: OrderId, e: &OrderEvent) -> EventRow {
        EventRow {
            order_id: order.0,
            seq: e.seq,
            state: e.state.as_str().to_owned(),
            at: stored_time(e.at),
            note: e.note.clone(),
        }
    }

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

/// A new order as `upgrade_orders` stores it, column by column in the
/// order of [`OrderRow::COLUMNS`]: what [`bind_order`] binds, and the JSON
/// object Postgres' one-statement write (insert_orders_at_versions.sql) reads
/// by column name.
#[derive(serde::Serialize)]
pub(in crate::storage) struct NewOrderRow<'a> {
    id: Uuid,
    partner_id: Uuid,
    customer_id: Uuid,
    request_id: Option<Uuid>,
    request_hash: &'a str,
    submitted_by: Option<Uuid>,
    submitted_by_app: Option<&'a str>,
    source_subscription_id: Uuid,
    target_offer_id: &'a str,
    target_subscription_id: Option<Uuid>,
    billing_cycle: Option<&'a str>,
    quantity: i64,
    upgrade_type: &'a str,
    state: &'a str,
    outcome: &'a str,
    credit_amount: Option<String>,
    credit_currency: Option<&'a str>,
    report: String,
    moved_user_count: i64,
    dropped_add_ons: String,
    monthly_amount: Option<String>,
    monthly_currency: Option<&'a str>,
    partial: bool,
    into_existing: bool,
    user_ids: String,
    scheduled_for: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> NewOrderRow<'a> {
    /// The row of a new order; `fingerprint` is the request's (see
    /// `UpgradeRequest::fingerprint`).
    pub(in crate::storage) fn of(o: &'a UpgradeOrder, fingerprint: &'a str) -> Self {
        let credit = o.prorated_credit.as_ref();
        let monthly = o.monthly_value.as_ref();
        let (user, app) = match &o.submitted_by {
            Actor::User(u) => (Some(u.0), None),
            Actor::App(a) => (None, Some(a.as_str())),
        };
        NewOrderRow {
            id: o.id.0,
            partner_id: o.partner_id.0,
            customer_id: o.customer_id.0,
            request_id: o.request_id,
            request_hash: fingerprint,
            submitted_by: user,
            submitted_by_app: app,
            source_subscription_id: o.source_subscription_id.0,
            target_offer_id: o.target_offer_id.as_str(),
            target_subscription_id: o.target_subscription_id.map(|t| t.0),
            billing_cycle: o.billing_cycle.map(|c| c.as_str()),
            quantity: o.quantity,
            upgrade_type: o.upgrade_type.as_str(),
            state: o.state.as_str(),
            outcome: o.outcome().as_str(),
            credit_amount: credit.map(|c| c.amount.to_string()),
            credit_currency: credit.map(|c| c.currency.as_str()),
            report: report_json(o),
            moved_user_count: o.moved_user_count,
            dropped_add_ons: dropped_json(o),
            monthly_amount: monthly.map(|m| m.amount.to_string()),
            monthly_currency: monthly.map(|m| m.currency.as_str()),
            partial: o.partial,
            into_existing: o.into_existing,
            user_ids: users_json(o),
            scheduled_for: o.scheduled_for.map(stored_time),
            created_at: stored_time(o.created_at),
            updated_at: stored_time(o.updated_at),
        }
    }
}

/// Binds a new order as [`OrderRow::COLUMNS`] lists its columns (see
/// [`NewOrderRow`]).
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
    let r = NewOrderRow::of(o, fingerprint);
    query
        .bind(r.id)
        .bind(r.partner_id)
        .bind(r.customer_id)
        .bind(r.request_id)
        .bind(r.request_hash)
        .bind(r.submitted_by)
        .bind(r.submitted_by_app)
        .bind(r.source_subscription_id)
        .bind(r.target_offer_id)
        .bind(r.target_subscription_id)
        .bind(r.billing_cycle)
        .bind(r.quantity)
        .bind(r.upgrade_type)
        .bind(r.state)
        .bind(r.outcome)
        .bind(r.credit_amount)
        .bind(r.credit_currency)
        .bind(r.report)
        .bind(r.moved_user_count)
        .bind(r.dropped_add_ons)
        .bind(r.monthly_amount)
        .bind(r.monthly_currency)
        .bind(r.partial)
        .bind(r.into_existing)
        .bind(r.user_ids)
        .bind(r.scheduled_for)
        .bind(r.created_at)
        .bind(r.updated_at)
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
