//! SQL for upgrade orders, shared by both backends ($N placeholders).

/// Takes the customer's write lock for the rest of the transaction: a row lock
/// on Postgres; on SQLite the transaction already holds the database's write
/// lock (BEGIN IMMEDIATE). Every order write of a customer goes through it
/// or, on Postgres, through the guard of `pg_sql::WRITE_ORDER`, which makes
/// the same row change: so eligibility is checked and the order written as
/// one step. Both change the row's `xmin`, the customer's version.
pub const LOCK_CUSTOMER: &str =
    "UPDATE customers SET name = name WHERE partner_id = $1 AND id = $2";

pub const ORDER_BY_KEY: &str =
    "SELECT id, request_hash FROM upgrade_orders WHERE partner_id = $1 AND request_id = $2";

macro_rules! select_order {
    () => {
        "SELECT id, partner_id, customer_id, request_id, submitted_by, submitted_by_app, \
                source_subscription_id, target_offer_id, target_subscription_id, billing_cycle, \
                quantity, upgrade_type, state, credit_amount, credit_currency, report, \
                moved_user_count, dropped_add_ons, monthly_amount, monthly_currency, \
                created_at, updated_at \
         FROM upgrade_orders "
    };
}

pub const ORDER: &str = concat!(select_order!(), "WHERE partner_id = $1 AND id = $2");

/// Newest first; keyset on (created_at, id) descending.
pub const ORDERS_FIRST: &str = concat!(
    select_order!(),
    "WHERE partner_id = $1 AND customer_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3"
);
pub const ORDERS_AFTER: &str = concat!(
    select_order!(),
    "WHERE partner_id = $1 AND customer_id = $2 AND (created_at, id) < ($4, $5) \
     ORDER BY created_at DESC, id DESC LIMIT $3"
);

pub const EVENTS: &str = "SELECT order_id, seq, state, at, note FROM upgrade_order_events WHERE order_id = $1 ORDER BY seq";

/// The events of every order of a customer, for a page of orders in one query.
pub const CUSTOMER_EVENTS: &str = "SELECT e.order_id, e.seq, e.state, e.at, e.note \
     FROM upgrade_order_events e JOIN upgrade_orders o ON o.id = e.order_id \
     WHERE o.partner_id = $1 AND o.customer_id = $2 ORDER BY e.order_id, e.seq";

pub const INSERT_ORDER: &str = "INSERT INTO upgrade_orders \
     (id, partner_id, customer_id, request_id, request_hash, submitted_by, submitted_by_app, \
      source_subscription_id, target_offer_id, target_subscription_id, billing_cycle, quantity, \
      upgrade_type, state, outcome, credit_amount, credit_currency, report, moved_user_count, \
      dropped_add_ons, monthly_amount, monthly_currency, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
             $19, $20, $21, $22, $23, $24)";

/// Binds `$1`..`$24` of [`INSERT_ORDER`] (and of the Postgres write, which
/// takes the same columns first) from an order, so the column list and the
/// values are written down once for both backends.
macro_rules! bind_order_columns {
    ($query:expr, $order:expr, $fingerprint:expr) => {{
        let o: &$crate::domain::orders::UpgradeOrder = $order;
        let credit = o.prorated_credit.as_ref();
        let monthly = o.monthly_value.as_ref();
        let (user, app) = match &o.submitted_by {
            $crate::domain::orders::Actor::User(u) => (Some(u.0), None),
            $crate::domain::orders::Actor::App(a) => (None, Some(a.as_str())),
        };
        $query
            .bind(o.id.0)
            .bind(o.partner_id.0)
            .bind(o.customer_id.0)
            .bind(o.request_id)
            .bind($fingerprint)
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
            .bind(serde_json::to_string(&o.migration_report).expect("report serializes"))
            .bind(o.moved_user_count)
            .bind(serde_json::to_string(&o.dropped_add_ons).expect("refs serialize"))
            .bind(monthly.map(|m| m.amount.to_string()))
            .bind(monthly.map(|m| m.currency.as_str()))
            .bind($crate::storage::rows::stored_time(o.created_at))
            .bind($crate::storage::rows::stored_time(o.updated_at))
    }};
}
pub(super) use bind_order_columns;

pub const UPDATE_ORDER: &str = "UPDATE upgrade_orders SET state = $2, outcome = $3, \
     target_subscription_id = $4, report = $5, moved_user_count = $6, dropped_add_ons = $7, \
     credit_amount = $8, credit_currency = $9, updated_at = $10 WHERE id = $1";

pub const MOVE_LICENSES: &str = "UPDATE user_licenses SET subscription_id = $3, disabled_services = '[]' \
     WHERE customer_id = $1 AND subscription_id = $2";

pub const CLEAR_SEATS: &str =
    "UPDATE subscriptions SET assigned_seats = 0 WHERE customer_id = $1 AND id = $2";

pub const CANCEL_SUBSCRIPTION: &str =
    "UPDATE subscriptions SET status = 'DELETED' WHERE customer_id = $1 AND id = $2";

pub const REATTACH_ADD_ON: &str =
    "UPDATE subscriptions SET parent_id = $3 WHERE customer_id = $1 AND id = $2";
