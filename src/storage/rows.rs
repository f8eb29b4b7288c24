//! Rows as the shared SQL returns them, and their conversion to the domain
//! model. The `FromRow` derives are generic over the backend, so both stores
//! decode through the same code; a value the domain refuses is
//! [`StorageError::Corrupt`], never a panic.

use std::collections::BTreeSet;
use std::fmt::Display;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::{Page, Result, StorageError};
use crate::domain::ids::*;
use crate::domain::model::*;

/// Both backends keep timestamps to the microsecond (the precision of
/// Postgres' `timestamptz`); SQLite gets the same so they answer alike.
pub(crate) fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

fn text<T>(parse: fn(&str) -> Option<T>, what: &str, value: &str) -> Result<T> {
    parse(value).ok_or_else(|| StorageError::Corrupt(format!("unknown {what} {value:?}")))
}

fn offer(value: &str) -> Result<OfferId> {
    OfferId::parse(value).map_err(|e| StorageError::Corrupt(format!("offer id {e}")))
}

/// Splits a `string_agg(.., ',')` result; NULL means no rows.
fn list<T: Ord>(joined: Option<&str>, parse: impl Fn(&str) -> Result<T>) -> Result<BTreeSet<T>> {
    joined
        .into_iter()
        .flat_map(|s| s.split(','))
        .map(parse)
        .collect()
}

/// Turns a unique violation into a conflict the caller can read: `describe`
/// gets the violated constraint as the database names it (the constraint on
/// Postgres, the message on SQLite; both name the columns) and says which
/// record clashed. Other errors map as usual.
pub(super) fn conflict(e: sqlx::Error, describe: impl FnOnce(&str) -> String) -> StorageError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StorageError::Conflict(describe(db.constraint().unwrap_or(db.message())))
        }
        _ => e.into(),
    }
}

/// The usual wording: `customer 7f..: id already exists`, or the other key
/// (say `upn`) when the violated constraint names it.
pub(super) fn already_exists<'a>(
    record: impl Display + 'a,
    other_keys: &'a [&'a str],
) -> impl FnOnce(&str) -> String + 'a {
    move |constraint| {
        let key = other_keys
            .iter()
            .find(|k| constraint.contains(*k))
            .unwrap_or(&"id");
        format!("{record}: {key} already exists")
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PartnerRow {
    id: Uuid,
    name: String,
}

impl PartnerRow {
    pub(super) fn into_domain(self) -> Partner {
        Partner {
            id: PartnerId(self.id),
            name: self.name,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PartnerUserRow {
    id: Uuid,
    partner_id: Uuid,
    upn: String,
    display_name: String,
    roles: Option<String>,
}

impl PartnerUserRow {
    pub(super) fn into_domain(self) -> Result<PartnerUser> {
        Ok(PartnerUser {
            id: PartnerUserId(self.id),
            partner_id: PartnerId(self.partner_id),
            upn: self.upn,
            display_name: self.display_name,
            roles: list(self.roles.as_deref(), |r| text(Role::parse, "role", r))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CustomerRow {
    id: Uuid,
    partner_id: Uuid,
    name: String,
    country: String,
    segment: String,
    custom_domain: bool,
    unpaid_balance: bool,
    relationship_status: String,
    incidents: Option<String>,
    delegated_roles: Option<String>,
}

impl CustomerRow {
    pub(super) fn into_domain(self) -> Result<Customer> {
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
    pub(super) fn page_key(c: &Customer) -> (String, String) {
        (c.name.clone(), c.id.to_string())
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SubscriptionRow {
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
    pub(super) fn into_domain(self) -> Result<Subscription> {
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

    /// The keyset paging key: (created_at, id), the time in RFC 3339.
    pub(super) fn page_key(s: &Subscription) -> (String, String) {
        (s.created_at.to_rfc3339(), s.id.to_string())
    }
}

/// Decodes the rows of a keyset query (one more than `size`) into a page.
pub(super) fn page<R, T>(
    rows: Vec<R>,
    decode: fn(R) -> Result<T>,
    size: u32,
    key: fn(&T) -> (String, String),
) -> Result<Page<T>> {
    let items = rows.into_iter().map(decode).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, size, key))
}

/// Reads back a key made by `CustomerRow::page_key`.
pub(super) fn customer_after((name, id): &(String, String)) -> Result<(String, Uuid)> {
    let id = Uuid::parse_str(id).map_err(|_| StorageError::BadPageToken)?;
    Ok((name.clone(), id))
}

/// Reads back a key made by `SubscriptionRow::page_key`.
pub(super) fn subscription_after(
    (created_at, id): &(String, String),
) -> Result<(DateTime<Utc>, Uuid)> {
    let at = DateTime::parse_from_rfc3339(created_at).map_err(|_| StorageError::BadPageToken)?;
    let id = Uuid::parse_str(id).map_err(|_| StorageError::BadPageToken)?;
    Ok((at.to_utc(), id))
}

#[derive(sqlx::FromRow)]
pub(super) struct UserLicenseRow {
    id: Uuid,
    customer_id: Uuid,
    upn: String,
    display_name: String,
    sign_in_blocked: bool,
    subscription_id: Option<Uuid>,
    disabled_services: Option<String>,
}

/// Folds the user-license join (ordered by user) into users with licenses.
pub(super) fn users_from_rows(rows: Vec<UserLicenseRow>) -> Result<Vec<CustomerUser>> {
    let mut users: Vec<CustomerUser> = Vec::new();
    for row in rows {
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
            let disabled_services = serde_json::from_str(disabled).map_err(|e| {
                StorageError::Corrupt(format!("disabled services of user {id}: {e}"))
            })?;
            let user = users.last_mut().expect("pushed above");
            user.licenses.push(License {
                subscription_id: SubscriptionId(subscription),
                disabled_services,
            });
        }
    }
    Ok(users)
}

/// The stored form of a license's disabled services: a JSON array.
pub(super) fn disabled_services_json(license: &License) -> String {
    serde_json::to_string(&license.disabled_services).expect("a set of strings serializes")
}

#[derive(sqlx::FromRow)]
pub(super) struct OrderSummaryRow {
    id: Uuid,
    customer_id: Uuid,
    source_subscription_id: Uuid,
    target_offer_id: String,
    state: String,
    created_at: DateTime<Utc>,
}

impl OrderSummaryRow {
    pub(super) fn into_domain(self) -> Result<OrderSummary> {
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

/// Postgres decodes the rows above also as anonymous records (`ROW(..)`),
/// elements of the arrays in which `pg_sql::SNAPSHOT` returns a whole
/// snapshot in one row. The fields are read in the order the macro lists
/// them, which is the order of the columns the SQL macros select.
mod pg_records {
    use sqlx::postgres::types::{Oid, PgRecordDecoder};
    use sqlx::postgres::{PgHasArrayType, PgTypeInfo, PgValueRef, Postgres};

    use super::{OrderSummaryRow, SubscriptionRow, UserLicenseRow};

    /// `record` and `record[]` (pg_type.dat).
    const RECORD: PgTypeInfo = PgTypeInfo::with_oid(Oid(2249));
    const RECORD_ARRAY: PgTypeInfo = PgTypeInfo::with_oid(Oid(2287));

    macro_rules! pg_record {
        ($row:ident { $($field:ident),* $(,)? }) => {
            impl sqlx::Type<Postgres> for $row {
                fn type_info() -> PgTypeInfo {
                    RECORD
                }
            }

            impl PgHasArrayType for $row {
                fn array_type_info() -> PgTypeInfo {
                    RECORD_ARRAY
                }
            }

            impl<'r> sqlx::Decode<'r, Postgres> for $row {
                fn decode(value: PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                    let mut record = PgRecordDecoder::new(value)?;
                    Ok(Self { $($field: record.try_decode()?),* })
                }
            }
        };
    }

    pg_record!(SubscriptionRow {
        id,
        customer_id,
        offer_id,
        channel,
        status,
        provisioned,
        quantity,
        assigned_seats,
        billing_cycle,
        payment_method,
        trial,
        parent_id,
        period_start,
        period_end,
        created_at,
    });

    pg_record!(UserLicenseRow {
        id,
        customer_id,
        upn,
        display_name,
        sign_in_blocked,
        subscription_id,
        disabled_services,
    });

    pg_record!(OrderSummaryRow {
        id,
        customer_id,
        source_subscription_id,
        target_offer_id,
        state,
        created_at,
    });
}
