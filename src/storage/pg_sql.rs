//! SQL only Postgres runs: statements that do in one round trip what the
//! shared SQL of `sql.rs` and `order_sql.rs` does in several (SQLite has no
//! data-modifying CTEs, and its round trips are hand-offs to a thread, not
//! network). The column lists come from the shared macros, so both backends
//! read the same columns in the same order.

use super::sql::{
    customer_columns, open_orders_of, order_summary_columns, subscription_columns,
    subscriptions_of, user_license_columns, users_with_licenses_of,
};

/// A customer's snapshot in one statement (`$1` partner, `$2` customer): the
/// customer's row with its subscriptions, users-with-licenses and open
/// orders as arrays of records, each in the order the shared queries use.
/// One statement reads one moment, so no read transaction is needed.
///
/// Inside a submission it also answers which order already used the
/// idempotency key `$3` (NULL: none asked). It runs after the customer's
/// lock, so it sees every order committed before the lock was granted: the
/// same key submitted twice at once is replayed, not planned twice.
pub const SNAPSHOT: &str = concat!(
    "SELECT ",
    customer_columns!(),
    ", ARRAY(SELECT ROW(",
    subscription_columns!(),
    ") ",
    subscriptions_of!("c.id"),
    ") AS subscriptions, ARRAY(SELECT ROW(",
    user_license_columns!(),
    ") ",
    users_with_licenses_of!("c.id"),
    ") AS users, ARRAY(SELECT ROW(",
    order_summary_columns!(),
    ") ",
    open_orders_of!("c.id"),
    ") AS open_orders, k.id AS key_order, k.request_hash AS key_hash \
     FROM customers c \
     LEFT JOIN upgrade_orders k ON k.partner_id = c.partner_id AND k.request_id = $3 \
     WHERE c.partner_id = $1 AND c.id = $2"
);

/// Writes an order, its new events and its audit record in one statement.
///
/// `$1`..`$24` are the order's columns as in `order_sql::INSERT_ORDER`;
/// `$25` is true for a new order (inserted) and false for a resolved one
/// (updated); `$26`..`$29` are the new events as arrays (seq, state, at,
/// note); `$30`..`$40` the audit record as in `role_sql::INSERT_AUDIT_RECORD`.
/// Foreign keys are checked at the end of the statement, so the events may
/// name the order inserted beside them.
macro_rules! write_order {
    () => {
        "WITH inserted AS ( \
           INSERT INTO upgrade_orders \
             (id, partner_id, customer_id, request_id, request_hash, submitted_by, \
              submitted_by_app, source_subscription_id, target_offer_id, target_subscription_id, \
              billing_cycle, quantity, upgrade_type, state, outcome, credit_amount, \
              credit_currency, report, moved_user_count, dropped_add_ons, monthly_amount, \
              monthly_currency, created_at, updated_at) \
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                  $18, $19, $20, $21, $22, $23, $24 \
           WHERE $25 \
         ), updated AS ( \
           UPDATE upgrade_orders SET state = $14, outcome = $15, target_subscription_id = $10, \
             report = $18, moved_user_count = $19, dropped_add_ons = $20, credit_amount = $16, \
             credit_currency = $17, updated_at = $24 \
           WHERE id = $1 AND NOT $25 \
         ), events AS ( \
           INSERT INTO upgrade_order_events (order_id, seq, state, at, note) \
           SELECT $1, e.seq, e.state, e.at, e.note \
           FROM unnest($26::bigint[], $27::text[], $28::timestamptz[], $29::text[]) \
             AS e (seq, state, at, note) \
         ), audited AS ( \
           INSERT INTO audit_records \
             (id, partner_id, actor, actor_user_id, action, target, role, outcome, reason, at, \
              details) \
           VALUES ($30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40) \
         )"
    };
}

/// An order without effects (waiting for a credit check, refused after one).
pub const WRITE_ORDER: &str = concat!(write_order!(), " SELECT 1");

/// An order with its effects, after the parameters of [`WRITE_ORDER`]:
/// `$41`..`$55` the target subscription as in `sql::INSERT_SUBSCRIPTION`,
/// `$56` the subscription whose licenses move to the target (NULL: none
/// move), `$57` the subscriptions to cancel, `$58` the add-ons to re-attach
/// to the target.
///
/// Every change to existing subscriptions is one `UPDATE`: two sub-statements
/// of one statement must not change the same row (the source is both
/// emptied of seats and cancelled).
pub const WRITE_ORDER_WITH_EFFECTS: &str = concat!(
    write_order!(),
    ", target AS ( \
       INSERT INTO subscriptions \
         (id, customer_id, offer_id, channel, status, provisioned, quantity, assigned_seats, \
          billing_cycle, payment_method, trial, parent_id, period_start, period_end, created_at) \
       VALUES ($41, $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53, $54, $55) \
     ), moved AS ( \
       UPDATE user_licenses SET subscription_id = $41, disabled_services = '[]' \
       WHERE customer_id = $3 AND subscription_id = $56 \
     ), changed AS ( \
       UPDATE subscriptions SET \
         assigned_seats = CASE WHEN id = $56 THEN 0 ELSE assigned_seats END, \
         status = CASE WHEN id = ANY($57) THEN 'DELETED' ELSE status END, \
         parent_id = CASE WHEN id = ANY($58) THEN $41 ELSE parent_id END \
       WHERE customer_id = $3 AND (id = $56 OR id = ANY($57) OR id = ANY($58)) \
     ) SELECT 1"
);
