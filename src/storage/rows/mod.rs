//! Rows as the SQL of both backends returns and takes them, and their
//! mapping to the domain model: each row type is decoded by column name
//! (`sqlx::FromRow`, generic over the backend) and bound by one function, so
//! both backends read and write a table through the same lines. A value the
//! domain refuses is [`StorageError::Corrupt`], never a panic.
//!
//! Adding a column to a table: the migrations, the model's field, and the
//! table's row type here (its field, its `into_domain`, its `COLUMNS` and its
//! bind function).

mod audit;
mod directory;
mod orders;
mod snapshots;

use std::collections::BTreeSet;
use std::fmt::Display;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::Database;
use sqlx::query::Query;
use uuid::Uuid;

pub(super) use audit::{AuditRow, INSERT_AUDIT, NewAuditRow, bind_audit};
pub(super) use directory::{
    CustomerRow, INSERT_SUBSCRIPTION, OrderSummaryRow, PartnerRow, PartnerUserRow, SubscriptionRow,
    UserLicenseRow, add_user_row, bind_subscription, disabled_services_json, users_from_rows,
};
pub(super) use orders::{
    DueRow, EventRow, INSERT_ORDER, KeyRow, NewOrderRow, OrderRow, bind_order, bind_order_update,
};
pub(super) use snapshots::{BatchRows, SnapshotRow};

use super::{Page, Result, StorageError};

/// A query being bound, on either backend.
pub(super) type Bound<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// Both backends keep timestamps to the microsecond (the precision of
/// Postgres' `timestamptz`); SQLite gets the same so they answer alike.
pub(crate) fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// An `INSERT` of `columns` into `table`, one `$N` per column: the row type
/// that lists the columns binds them in the same order.
pub(super) fn insert_statement(table: &str, columns: &[&str]) -> String {
    let values: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        values.join(", ")
    )
}

fn text<T>(parse: fn(&str) -> Option<T>, what: &str, value: &str) -> Result<T> {
    parse(value).ok_or_else(|| StorageError::Corrupt(format!("unknown {what} {value:?}")))
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

/// Reads back a (text, id) page key.
pub(super) fn text_after((text, id): &(String, String)) -> Result<(String, Uuid)> {
    let id = Uuid::parse_str(id).map_err(|_| StorageError::BadPageToken)?;
    Ok((text.clone(), id))
}

/// Reads back a (time, id) page key, the time in RFC 3339.
pub(super) fn time_after((at, id): &(String, String)) -> Result<(DateTime<Utc>, Uuid)> {
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| StorageError::BadPageToken)?;
    let id = Uuid::parse_str(id).map_err(|_| StorageError::BadPageToken)?;
    Ok((at.to_utc(), id))
}

/// A (time, id) page key: the time in RFC 3339 to the microsecond.
pub(super) fn time_key(at: DateTime<Utc>, id: impl Display) -> (String, String) {
    (
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        id.to_string(),
    )
}
