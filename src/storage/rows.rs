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

/// Postgres reads a snapshot as the rows of one statement
/// (`pg_sql::SNAPSHOT`): a row of each kind fills a set of typed slots its
/// own way, and becomes the row the shared queries return.
pub(super) mod pg {
    use chrono::{DateTime, Utc};
    use sqlx::Row;
    use sqlx::postgres::PgRow;
    use uuid::Uuid;

    use super::{
        CustomerRow, OrderSummaryRow, Result, StorageError, SubscriptionRow, UserLicenseRow,
        users_from_rows,
    };
    use crate::domain::model::{CustomerSnapshot, OrderSummary, Subscription};
    use crate::storage::orders::KeyUse;

    /// One row of `pg_sql::SNAPSHOT`; its doc lays out the slots per kind.
    pub(in crate::storage) struct SnapshotPart {
        kind: i32,
        u1: Option<Uuid>,
        u2: Option<Uuid>,
        u3: Option<Uuid>,
        t1: Option<String>,
        t2: Option<String>,
        t3: Option<String>,
        t4: Option<String>,
        t5: Option<String>,
        t6: Option<String>,
        t7: Option<String>,
        b1: Option<bool>,
        b2: Option<bool>,
        i1: Option<i64>,
        i2: Option<i64>,
        ts1: Option<DateTime<Utc>>,
        ts2: Option<DateTime<Utc>>,
        ts3: Option<DateTime<Utc>>,
    }

    /// By position, in the statement's order: a big customer's snapshot is
    /// thousands of rows, and looking each column up by name costs more
    /// than the rest of the decoding.
    impl<'r> sqlx::FromRow<'r, PgRow> for SnapshotPart {
        fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
            Ok(Self {
                kind: row.try_get(0)?,
                u1: row.try_get(1)?,
                u2: row.try_get(2)?,
                u3: row.try_get(3)?,
                t1: row.try_get(4)?,
                t2: row.try_get(5)?,
                t3: row.try_get(6)?,
                t4: row.try_get(7)?,
                t5: row.try_get(8)?,
                t6: row.try_get(9)?,
                t7: row.try_get(10)?,
                b1: row.try_get(11)?,
                b2: row.try_get(12)?,
                i1: row.try_get(13)?,
                i2: row.try_get(14)?,
                ts1: row.try_get(15)?,
                ts2: row.try_get(16)?,
                ts3: row.try_get(17)?,
            })
        }
    }

    const CUSTOMER: i32 = 0;
    const SUBSCRIPTION: i32 = 1;
    const USER_LICENSE: i32 = 2;
    const OPEN_ORDER: i32 = 3;

    /// A slot the kind always fills.
    fn slot<T>(value: Option<T>, kind: i32, name: &str) -> Result<T> {
        value
            .ok_or_else(|| StorageError::Corrupt(format!("snapshot row of kind {kind}: no {name}")))
    }

    /// A snapshot as read by `pg_sql::SNAPSHOT`.
    pub(in crate::storage) struct SnapshotRead {
        pub snapshot: CustomerSnapshot,
        /// The order that used the idempotency key asked about.
        pub used: Option<KeyUse>,
        /// The customer row's version (see `pg_sql::SNAPSHOT`).
        pub version: i64,
    }

    /// The snapshot and the order that used the key asked about; `None`
    /// when the customer is not the partner's. Each kind is put in the order
    /// of the shared queries of `sql.rs` (the statement returns them in
    /// none): subscriptions and open orders by (created, id), users by (upn,
    /// id, licensed subscription), upn byte-wise as `COLLATE "C"` and SQLite
    /// compare it.
    pub(in crate::storage) fn snapshot(
        mut parts: Vec<SnapshotPart>,
    ) -> Result<Option<SnapshotRead>> {
        let Some(at) = parts.iter().position(|p| p.kind == CUSTOMER) else {
            return Ok(None);
        };
        let c = parts.swap_remove(at);
        let k = c.kind;
        let used = c.u3.map(|order| KeyUse {
            order,
            fingerprint: c.t7,
        });
        let version = slot(c.i1, k, "version")?;
        let customer = CustomerRow {
            id: slot(c.u1, k, "id")?,
            partner_id: slot(c.u2, k, "partner")?,
            name: slot(c.t1, k, "name")?,
            country: slot(c.t2, k, "country")?,
            segment: slot(c.t3, k, "segment")?,
            custom_domain: slot(c.b1, k, "custom domain")?,
            unpaid_balance: slot(c.b2, k, "unpaid balance")?,
            relationship_status: slot(c.t4, k, "relationship")?,
            incidents: c.t5,
            delegated_roles: c.t6,
        }
        .into_domain()?;
        let (mut subscriptions, mut users, mut open_orders) = (Vec::new(), Vec::new(), Vec::new());
        for p in parts {
            let k = p.kind;
            match k {
                SUBSCRIPTION => subscriptions.push(
                    SubscriptionRow {
                        id: slot(p.u1, k, "id")?,
                        customer_id: slot(p.u2, k, "customer")?,
                        offer_id: slot(p.t2, k, "offer")?,
                        channel: slot(p.t3, k, "channel")?,
                        status: slot(p.t4, k, "status")?,
                        provisioned: slot(p.b1, k, "provisioned")?,
                        quantity: slot(p.i1, k, "quantity")?,
                        assigned_seats: slot(p.i2, k, "assigned seats")?,
                        billing_cycle: slot(p.t5, k, "billing cycle")?,
                        payment_method: slot(p.t6, k, "payment method")?,
                        trial: slot(p.b2, k, "trial")?,
                        parent_id: p.u3,
                        period_start: slot(p.ts1, k, "period start")?,
                        period_end: slot(p.ts2, k, "period end")?,
                        created_at: slot(p.ts3, k, "created")?,
                    }
                    .into_domain()?,
                ),
                USER_LICENSE => users.push(UserLicenseRow {
                    id: slot(p.u1, k, "id")?,
                    customer_id: slot(p.u2, k, "customer")?,
                    upn: slot(p.t1, k, "upn")?,
                    display_name: slot(p.t2, k, "display name")?,
                    sign_in_blocked: slot(p.b1, k, "sign-in blocked")?,
                    subscription_id: p.u3,
                    disabled_services: p.t3,
                }),
                OPEN_ORDER => open_orders.push(
                    OrderSummaryRow {
                        id: slot(p.u1, k, "id")?,
                        customer_id: slot(p.u2, k, "customer")?,
                        source_subscription_id: slot(p.u3, k, "source")?,
                        target_offer_id: slot(p.t2, k, "target offer")?,
                        state: slot(p.t3, k, "state")?,
                        created_at: slot(p.ts3, k, "created")?,
                    }
                    .into_domain()?,
                ),
                _ => return Err(StorageError::Corrupt(format!("snapshot row of kind {k}"))),
            }
        }
        subscriptions.sort_unstable_by_key(|s: &Subscription| (s.created_at, s.id));
        users.sort_unstable_by(|a: &UserLicenseRow, b: &UserLicenseRow| {
            (&a.upn, a.id, a.subscription_id).cmp(&(&b.upn, b.id, b.subscription_id))
        });
        open_orders.sort_unstable_by_key(|o: &OrderSummary| (o.created_at, o.id));
        let snapshot = CustomerSnapshot {
            customer,
            subscriptions,
            users: users_from_rows(users)?,
            open_orders,
        };
        Ok(Some(SnapshotRead {
            snapshot,
            used,
            version,
        }))
    }
}
