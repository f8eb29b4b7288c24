//! The SQL both backends run. `$N` placeholders work on Postgres and on
//! SQLite alike (sqlx binds `$N` by number on both), and every statement here
//! sticks to what SQLite and Postgres share, so one text serves both.

/// A customer with its incidents and delegated roles folded into
/// comma-joined lists, so a customer (or a page of them) is one query.
macro_rules! select_customer {
    () => {
        "SELECT c.id, c.partner_id, c.name, c.country, c.segment, c.custom_domain, \
                c.unpaid_balance, c.relationship_status, \
                (SELECT string_agg(i.service_id, ',') FROM customer_service_incidents i \
                  WHERE i.customer_id = c.id) AS incidents, \
                (SELECT string_agg(r.role, ',') FROM customer_delegated_roles r \
                  WHERE r.customer_id = c.id) AS delegated_roles \
         FROM customers c "
    };
}

macro_rules! select_subscription {
    () => {
        "SELECT id, customer_id, offer_id, channel, status, provisioned, quantity, assigned_seats, \
                billing_cycle, payment_method, trial, parent_id, period_start, period_end, created_at \
         FROM subscriptions "
    };
}

/// The two queries of a keyset-paged listing, both ordered by `$order`:
/// `$first` binds (scope, limit), `$after` also the two-part key of the
/// previous page's last row. One macro, so the comparison always matches
/// the order.
#[rustfmt::skip]
macro_rules! keyset_page {
    ($first:ident, $after:ident, $select:expr, $scope:literal, $order:literal) => {
        pub const $first: &str =
            concat!($select, "WHERE ", $scope, " = $1 ORDER BY ", $order, " LIMIT $2");
        pub const $after: &str = concat!(
            $select, "WHERE ", $scope, " = $1 AND (", $order, ") > ($3, $4) ",
            "ORDER BY ", $order, " LIMIT $2"
        );
    };
}

pub const PING: &str = "SELECT 1";

/// Refreshes the planner's statistics after a bulk import.
pub const ANALYZE: &str = "ANALYZE";

pub const IS_EMPTY: &str = "SELECT NOT EXISTS (SELECT 1 FROM partners)";

pub const PARTNER: &str = "SELECT id, name FROM partners WHERE id = $1";

pub const PARTNER_USER: &str = "SELECT u.id, u.partner_id, u.upn, u.display_name, \
            (SELECT string_agg(r.role, ',') FROM partner_user_roles r WHERE r.user_id = u.id) AS roles \
     FROM partner_users u WHERE u.partner_id = $1 AND u.id = $2";

/// UPNs are stored lower-cased, so the caller lower-cases the argument.
pub const PARTNER_USER_BY_UPN: &str = "SELECT u.id, u.partner_id, u.upn, u.display_name, \
            (SELECT string_agg(r.role, ',') FROM partner_user_roles r WHERE r.user_id = u.id) AS roles \
     FROM partner_users u WHERE u.upn = $1";

pub const CUSTOMER: &str = concat!(select_customer!(), "WHERE c.partner_id = $1 AND c.id = $2");

pub const CUSTOMER_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM customers WHERE partner_id = $1 AND id = $2)";

keyset_page!(
    CUSTOMERS_FIRST,
    CUSTOMERS_AFTER,
    select_customer!(),
    "c.partner_id",
    "c.name, c.id"
);

pub const SUBSCRIPTIONS_ALL: &str = concat!(
    select_subscription!(),
    "WHERE customer_id = $1 ORDER BY created_at, id"
);

keyset_page!(
    SUBSCRIPTIONS_FIRST,
    SUBSCRIPTIONS_AFTER,
    select_subscription!(),
    "customer_id",
    "created_at, id"
);

/// One row per license, or one per user without any; grouped in Rust.
pub const USERS_WITH_LICENSES: &str = "SELECT u.id, u.customer_id, u.upn, u.display_name, \
            u.sign_in_blocked, l.subscription_id, l.disabled_services \
     FROM customer_users u LEFT JOIN user_licenses l ON l.user_id = u.id \
     WHERE u.customer_id = $1 ORDER BY u.upn, u.id, l.subscription_id";

/// The states listed are those of `OrderState::is_open` (a unit test holds
/// the two together).
pub const OPEN_ORDERS: &str = "SELECT id, customer_id, source_subscription_id, target_offer_id, \
            state, created_at \
     FROM upgrade_orders \
     WHERE customer_id = $1 AND state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS') \
     ORDER BY created_at, id";

pub const INSERT_PARTNER: &str = "INSERT INTO partners (id, name) VALUES ($1, $2)";

pub const INSERT_PARTNER_USER: &str =
    "INSERT INTO partner_users (id, partner_id, upn, display_name) VALUES ($1, $2, $3, $4)";

pub const INSERT_PARTNER_USER_ROLE: &str =
    "INSERT INTO partner_user_roles (user_id, role) VALUES ($1, $2)";

pub const INSERT_CUSTOMER: &str = "INSERT INTO customers \
     (id, partner_id, name, country, segment, custom_domain, unpaid_balance, relationship_status) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub const INSERT_DELEGATED_ROLE: &str =
    "INSERT INTO customer_delegated_roles (customer_id, role) VALUES ($1, $2)";

pub const INSERT_INCIDENT: &str =
    "INSERT INTO customer_service_incidents (customer_id, service_id) VALUES ($1, $2)";

pub const INSERT_SUBSCRIPTION: &str = "INSERT INTO subscriptions \
     (id, customer_id, offer_id, channel, status, provisioned, quantity, assigned_seats, \
      billing_cycle, payment_method, trial, parent_id, period_start, period_end, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

/// Binds `$1`..`$15` of [`INSERT_SUBSCRIPTION`] (and the target columns of
/// the Postgres order write, in the same order) from a subscription: the
/// import and both backends' order writes share one list.
macro_rules! bind_subscription_columns {
    ($query:expr, $subscription:expr) => {{
        let s: &$crate::domain::model::Subscription = $subscription;
        $query
            .bind(s.id.0)
            .bind(s.customer_id.0)
            .bind(s.offer_id.as_str())
            .bind(s.channel.as_str())
            .bind(s.status.as_str())
            .bind(s.provisioned)
            .bind(s.quantity)
            .bind(s.assigned_seats)
            .bind(s.billing_cycle.as_str())
            .bind(s.payment_method.as_str())
            .bind(s.trial)
            .bind(s.parent_id.map(|p| p.0))
            .bind($crate::storage::rows::stored_time(s.period_start))
            .bind($crate::storage::rows::stored_time(s.period_end))
            .bind($crate::storage::rows::stored_time(s.created_at))
    }};
}
pub(super) use bind_subscription_columns;

pub const INSERT_CUSTOMER_USER: &str = "INSERT INTO customer_users \
     (id, customer_id, upn, display_name, sign_in_blocked) VALUES ($1, $2, $3, $4, $5)";

pub const INSERT_LICENSE: &str = "INSERT INTO user_licenses \
     (customer_id, user_id, subscription_id, disabled_services) VALUES ($1, $2, $3, $4)";

/// An imported order: no idempotency key, credit or report of its own.
pub const INSERT_IMPORTED_ORDER: &str = "INSERT INTO upgrade_orders \
     (id, partner_id, customer_id, submitted_by, source_subscription_id, target_offer_id, \
      quantity, upgrade_type, state, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";

pub const INSERT_ORDER_EVENT: &str =
    "INSERT INTO upgrade_order_events (order_id, seq, state, at, note) VALUES ($1, $2, $3, $4, $5)";

#[cfg(test)]
mod tests {
    use crate::domain::model::OrderState;

    #[test]
    fn open_orders_query_lists_exactly_the_open_states() {
        for state in OrderState::ALL {
            let listed = super::OPEN_ORDERS.contains(&format!("'{}'", state.as_str()));
            assert_eq!(listed, state.is_open(), "{state}");
        }
    }
}
