//! Partners, their users, customers and what a customer snapshot holds.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Type};
use uuid::Uuid;

use super::{Bound, insert_statement, list, stored_time, text};
use crate::domain::ids::*;
use crate::domain::model::*;
use crate::storage::{Result, StorageError};

fn offer(value: &str) -> Result<OfferId> {
    OfferId::parse(value).map_err(|e| StorageError::Corrupt(format!("offer id {e}")))
}

#[derive(sqlx::FromRow)]
pub(in crate::storage) struct PartnerRow {
    id: Uuid,
    name: String,
}

impl PartnerRow {
    pub(in crate::storage) fn into_domain(self) -> Partner {
        Partner {
            id: PartnerId(self.id),
            name: self.name,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::storage) struct PartnerUserRow {
    id: Uuid,
    partner_id: Uuid,
    upn: String,
    display_name: String,
    /// Comma-joined (`string_agg`), NULL for none.
    roles: Option<String>,
}

impl PartnerUserRow {
    pub(in crate::storage) fn into_domain(self) -> Result<PartnerUser> {
        Ok(PartnerUser {
            id: PartnerUserId(self.id),
            partner_id: PartnerId(self.partner_id),
            upn: self.upn,
            display_name: self.display_name,
            roles: list(self.roles.as_deref(), |r| text(Role::parse, "role", r))?,
        })
    }

    /// The keyset paging key of the staff list: (upn, id).
    pub(in crate::storage) fn page_key(u: &PartnerUser) -> (String, String) {
        (u.upn.clone(), u.id.to_string())
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::storage) struct CustomerRow {
    id: Uuid,
    partner_id: Uuid,
    name: String,
    country: String,
    segment: String,
    custom_domain: bool,
    unpaid_balance: bool,
    relationship_status: String,
    /// Comma-joined (`string_agg`), NULL for none.
    incidents: Option<String>,
    /// Comma-joined (`string_agg`), NULL for none.
    delegated_roles: Option<String>,
}

impl CustomerRow {
    pub(in crate::storage) fn into_domain(self) -> Result<Customer> {
        Ok(Customer {
            id: CustomerId(self.id),
            partner_id: PartnerId(self.partner_id),
            name: self.name,
            country: self.country,
            segment: text(Segment::parse, "segment", &self.segment)?,
            custom_domain: self.custom_domain,
            unpaid_balance: self.unpaid_balance,
            service_incidents: list(self.incidents.as_deref(), |s| Ok(s.to_owned()))?,
            delegated_admin: DelegatedAdmin {
                status: text(
                    RelationshipStatus::parse,
                    "relationship status",
                    &self.relationship_status,
                )?,
                roles: list(self.delegated_roles.as_deref(), |r| {
                    text(DelegatedRole::parse, "delegated role", r)
                })?,
            },
        })
    }

    /// The keyset paging key: (name, id).
    pub(in crate::storage) fn page_key(c: &Customer) -> (String, String) {
        (c.name.clone(), c.id.to_string())
    }
}

/// A row of `subscriptions`, column by column: read with `SELECT s.*` (or
/// from JSON keyed by column, Postgres' view customer_snapshots), written by
/// [`bind_subscription`] into the statement of [`SubscriptionRow::COLUMNS`]
/// (or as JSON, Postgres' insert_orders_at_versions.sql).
#[derive(sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub(in crate::storage) struct SubscriptionRow {
    id: Uuid,
    customer_id: Uuid,
    offer_id: String,
    channel: String,
    status: String,
    provisioned: bool,
    quantity: i64,
    assigned_seats: i64,
    billing_cycle: String,
    payment_method: String,
    trial: bool,
    parent_id: Option<Uuid>,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl SubscriptionRow {
    /// The columns [`bind_subscription`] binds, in its order.
    pub(in crate::storage) const COLUMNS: &[&str] = &[
        "id",
        "customer_id",
        "offer_id",
        "channel",
        "status",
        "provisioned",
        "quantity",
        "assigned_seats",
        "billing_cycle",
        "payment_method",
        "trial",
        "parent_id",
        "period_start",
        "period_end",
        "created_at",
    ];

    /// The row that stores `s` (times to the microsecond, as stored).
    pub(in crate::storage) fn of(s: &Subscription) -> SubscriptionRow {
        SubscriptionRow {
            id: s.id.0,
            customer_id: s.customer_id.0,
            offer_id: s.offer_id.as_str().to_owned(),
            channel: s.channel.as_str().to_owned(),
            status: s.status.as_str().to_owned(),
            provisioned: s.provisioned,
            quantity: s.quantity,
            assigned_seats: s.assigned_seats,
            billing_cycle: s.billing_cycle.as_str().to_owned(),
            payment_method: s.payment_method.as_str().to_owned(),
            trial: s.trial,
            parent_id: s.parent_id.map(|p| p.0),
            period_start: stored_time(s.period_start),
            period_end: stored_time(s.period_end),
            created_at: stored_time(s.created_at),
        }
    }

    pub(in crate::storage) fn into_domain(self) -> Result<Subscription> {
        Ok(Subscription {
            id: SubscriptionId(self.id),
            customer_id: CustomerId(self.customer_id),
            offer_id: offer(&self.offer_id)?,
            channel: text(Channel::parse, "channel", &self.channel)?,
            status: text(SubscriptionStatus::parse, "status", &self.status)?,
            provisioned: self.provisioned,
            quantity: self.quantity,
            assigned_seats: self.assigned_seats,
            billing_cycle: text(BillingCycle::parse, "billing cycle", &self.billing_cycle)?,
            payment_method: text(PaymentMethod::parse, "payment method", &self.payment_method)?,
            trial: self.trial,
            parent_id: self.parent_id.map(SubscriptionId),
            period_start: self.period_start,
            period_end: self.period_end,
            created_at: self.created_at,
        })
    }
}

/// Inserts a subscription (see [`bind_subscription`]).
pub(in crate::storage) static INSERT_SUBSCRIPTION: LazyLock<String> =
    LazyLock::new(|| insert_statement("subscriptions", SubscriptionRow::COLUMNS));

/// Binds a subscription as [`SubscriptionRow::COLUMNS`] lists its columns.
pub(in crate::storage) fn bind_subscription<'q, DB>(
    query: Bound<'q, DB>,
    s: &Subscription,
) -> Bound<'q, DB>
where
    DB: Database,
    Uuid: Encode<'q, DB> + Type<DB>,
    Option<Uuid>: Encode<'q, DB>,
    String: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    let r = SubscriptionRow::of(s);
    query
        .bind(r.id)
        .bind(r.customer_id)
        .bind(r.offer_id)
        .bind(r.channel)
        .bind(r.status)
        .bind(r.provisioned)
        .bind(r.quantity)
        .bind(r.assigned_seats)
        .bind(r.billing_cycle)
        .bind(r.payment_method)
        .bind(r.trial)
        .bind(r.parent_id)
        .bind(r.period_start)
        .bind(r.period_end)
        .bind(r.created_at)
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(in crate::storage) struct UserLicenseRow {
    id: Uuid,
    customer_id: Uuid,
    upn: String,
    display_name: String,
    sign_in_blocked: bool,
    subscription_id: Option<Uuid>,
    disabled_services: Option<String>,
}

/// Folds the user-license join (ordered by user) into users with licenses.
pub(in crate::storage) fn users_from_rows(rows: Vec<UserLicenseRow>) -> Result<Vec<CustomerUser>> {
    let mut users: Vec<CustomerUser> = Vec::new();
    for row in rows {
        add_user_row(&mut users, row)?;
    }
    Ok(users)
}

/// [`users_from_rows`] one row at a time, for rows read as a stream.
pub(in crate::storage) fn add_user_row(
    users: &mut Vec<CustomerUser>,
    row: UserLicenseRow,
) -> Result<()> {
    let id = CustomerUserId(row.id);
    if users.last().is_none_or(|u| u.id != id) {
        users.push(CustomerUser {
            id,
            customer_id: CustomerId(row.customer_id),
            upn: row.upn,
            display_name: row.display_name,
            sign_in_blocked: row.sign_in_blocked,
            licenses: Vec::new(),
        });
    }
    if let Some(subscription) = row.subscription_id {
        let disabled = row.disabled_services.as_deref().unwrap_or("[]");
        let disabled_services = serde_json::from_str(disabled)
            .map_err(|e| StorageError::Corrupt(format!("disabled services of user {id}: {e}")))?;
        let user = users.last_mut().expect("pushed above");
        user.licenses.push(License {
            subscription_id: SubscriptionId(subscription),
            disabled_services,
        });
    }
    Ok(())
}

/// The stored form of a license's disabled services: a JSON array.
pub(in crate::storage) fn disabled_services_json(license: &License) -> String {
    serde_json::to_string(&license.disabled_services).expect("a set of strings serializes")
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(in crate::storage) struct OrderSummaryRow {
    id: Uuid,
    customer_id: Uuid,
    source_subscription_id: Uuid,
    target_offer_id: String,
    state: String,
    created_at: DateTime<Utc>,
}

impl OrderSummaryRow {
    pub(in crate::storage) fn into_domain(self) -> Result<OrderSummary> {
        Ok(OrderSummary {
            id: OrderId(self.id),
            customer_id: CustomerId(self.customer_id),
            source_subscription_id: SubscriptionId(self.source_subscription_id),
            target_offer_id: offer(&self.target_offer_id)?,
            state: text(OrderState::parse, "order state", &self.state)?,
            created_at: self.created_at,
        })
    }
}
