//! SQL only Postgres runs: statements that do in one round trip what the
//! shared SQL of `sql.rs` and `order_sql.rs` does in several (SQLite has no
//! data-modifying CTEs, and its round trips are hand-offs to a thread, not
//! network).

/// A customer's snapshot in one statement (`$1` partner, `$2` customer), as
/// typed rows of four kinds in one result: one set of columns ("slots") that
/// each kind fills its own way.
///
/// | kind | rows | u1, u2, u3 | t1, t2.. | b1, b2 | i1, i2 | ts1, ts2, ts3 |
/// |---|---|---|---|---|---|---|
/// | 0 | the customer | id, partner, key's order | name, country, segment, relationship, incidents, delegated roles, key's fingerprint | custom domain, unpaid balance | version | |
/// | 1 | subscriptions | id, customer, parent | -, offer, channel, status, billing cycle, payment method | provisioned, trial | quantity, assigned seats | period start, period end, created |
/// | 2 | users with licenses | user, customer, licensed subscription | upn, display name, disabled services | sign-in blocked | | |
/// | 3 | open orders | id, customer, source | -, target offer, state | | | created |
///
/// The rows come in no order: the decoder sorts each kind as the shared
/// queries of `sql.rs` do (measured on the 1,000-subscription customer, one
/// `ORDER BY` over the 2,500 rows of the union cost Postgres 2.5 ms, more
/// than the three round trips it saves).
///
/// One statement reads one moment, so no read transaction is needed.
/// Inside a submission it also answers which order already used the
/// idempotency key `$3` (NULL: none asked). It runs after the customer's
/// lock, so it sees every order committed before the lock was granted: the
/// same key submitted twice at once is replayed, not planned twice.
///
/// The idempotency key and the open orders are looked up by the parameters,
/// not through `c`: `c` is materialized, so a condition on its columns is not
/// an index condition. Written `k.partner_id = c.partner_id`, the key lookup
/// could use only the second column of the `(partner_id, request_id)` index,
/// and the cached plan turned into a sequential scan of every order once the
/// table grew (measured: 82 million rows read by 10,939 submissions, ~7,500
/// each).
///
/// The customer's version is its row's `xmin`: every order write updates
/// the customer row (the lock of `order_sql::LOCK_CUSTOMER`, or the guard of
/// [`WRITE_ORDER`]), so a version read here is still current only while no
/// order of the customer has been written since.
///
/// Rows rather than arrays of records: Postgres sends a 1,000-subscription
/// array of records about 8x slower than the same rows (measured, 10 ms
/// against 1.2 ms).
pub const SNAPSHOT: &str = "WITH c AS (SELECT *, xmin::text::bigint AS version FROM customers \
                WHERE partner_id = $1 AND id = $2) \
     SELECT 0 AS kind, c.id AS u1, c.partner_id AS u2, k.id AS u3, \
            c.name AS t1, c.country AS t2, c.segment AS t3, c.relationship_status AS t4, \
            (SELECT string_agg(i.service_id, ',') FROM customer_service_incidents i \
              WHERE i.customer_id = c.id) AS t5, \
            (SELECT string_agg(r.role, ',') FROM customer_delegated_roles r \
              WHERE r.customer_id = c.id) AS t6, \
            k.request_hash AS t7, c.custom_domain AS b1, c.unpaid_balance AS b2, \
            c.version AS i1, NULL::bigint AS i2, \
            NULL::timestamptz AS ts1, NULL::timestamptz AS ts2, NULL::timestamptz AS ts3 \
     FROM c LEFT JOIN upgrade_orders k ON k.partner_id = $1 AND k.request_id = $3 \
     UNION ALL \
     SELECT 1, s.id, s.customer_id, s.parent_id, \
            NULL, s.offer_id, s.channel, s.status, s.billing_cycle, s.payment_method, NULL, \
            s.provisioned, s.trial, s.quantity, s.assigned_seats, \
            s.period_start, s.period_end, s.created_at \
     FROM c JOIN subscriptions s ON s.customer_id = c.id \
     UNION ALL \
     SELECT 2, u.id, u.customer_id, l.subscription_id, \
            u.upn, u.display_name, l.disabled_services, NULL, NULL, NULL, NULL, \
            u.sign_in_blocked, NULL, NULL, NULL, NULL, NULL, NULL \
     FROM c JOIN customer_users u ON u.customer_id = c.id \
          LEFT JOIN user_licenses l ON l.user_id = u.id \
     UNION ALL \
     SELECT 3, o.id, o.customer_id, o.source_subscription_id, \
            NULL, o.target_offer_id, o.state, NULL, NULL, NULL, NULL, \
            NULL, NULL, NULL, NULL, NULL, NULL, o.created_at \
     FROM c JOIN upgrade_orders o ON o.customer_id = $2 \
     WHERE o.state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS')";

/// Refreshes the planner's statistics after an import, of the tables that
/// hold rows. An empty table is left unanalyzed: analyzed, Postgres believes
/// it empty until autovacuum comes by, and every connection plans (and
/// caches) sequential scans of it, foreign-key checks included, which grow
/// with every order written. Never analyzed, it is planned as at least ten
/// pages, which favours the indexes.
pub const ANALYZE_FILLED: &str = "DO $$ \
     DECLARE t regclass; filled boolean; \
     BEGIN \
       FOR t IN SELECT c.oid FROM pg_class c \
                WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind = 'r' LOOP \
         EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', t) INTO filled; \
         IF filled THEN EXECUTE format('ANALYZE %s', t); END IF; \
       END LOOP; \
     END $$";

/// Writes an order, its new events and its audit record in one statement,
/// unless the customer changed since a snapshot (optimistic submission).
///
/// `$1`..`$24` are the order's columns as in `order_sql::INSERT_ORDER`;
/// `$25` is true for a new order (inserted) and false for a resolved one
/// (updated); `$26`..`$29` are the new events as arrays (seq, state, at,
/// note); `$30`..`$40` the audit record as in `role_sql::INSERT_AUDIT_RECORD`.
/// Foreign keys are checked at the end of the statement, so the events may
/// name the order inserted beside them.
///
/// `$41` is the customer's version from [`SNAPSHOT`], or NULL inside a
/// transaction that already holds the customer's lock. Given a version, the
/// statement is its own transaction: `guard` updates the customer row only
/// if it is still that version (waiting for, then re-checking against, a
/// writer that holds it), and every write depends on `ok`, the guard's row:
/// a customer changed since the snapshot gets no write at all, and the
/// statement answers false. The guard also quiets the change triggers for
/// the statement's transaction (`csp.announce`, as the locked path's
/// `SET LOCAL` does): the store announces after the commit.
macro_rules! write_order {
    () => {
        "WITH guard AS ( \
           UPDATE customers SET name = name \
           WHERE $41::bigint IS NOT NULL AND partner_id = $2 AND id = $3 \
             AND xmin::text::bigint = $41 \
           RETURNING set_config('csp.announce', 'after-commit', true) \
         ), ok AS ( \
           SELECT 1 FROM guard UNION ALL SELECT 1 WHERE $41::bigint IS NULL \
         ), inserted AS ( \
           INSERT INTO upgrade_orders \
             (id, partner_id, customer_id, request_id, request_hash, submitted_by, \
              submitted_by_app, source_subscription_id, target_offer_id, target_subscription_id, \
              billing_cycle, quantity, upgrade_type, state, outcome, credit_amount, \
              credit_currency, report, moved_user_count, dropped_add_ons, monthly_amount, \
              monthly_currency, created_at, updated_at) \
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                  $18, $19, $20, $21, $22, $23, $24 \
           FROM ok WHERE $25 \
         ), updated AS ( \
           UPDATE upgrade_orders SET state = $14, outcome = $15, target_subscription_id = $10, \
             report = $18, moved_user_count = $19, dropped_add_ons = $20, credit_amount = $16, \
             credit_currency = $17, updated_at = $24 \
           WHERE id = $1 AND NOT $25 AND EXISTS (SELECT 1 FROM ok) \
         ), events AS ( \
           INSERT INTO upgrade_order_events (order_id, seq, state, at, note) \
           SELECT $1, e.seq, e.state, e.at, e.note \
           FROM ok, unnest($26::bigint[], $27::text[], $28::timestamptz[], $29::text[]) \
             AS e (seq, state, at, note) \
         ), audited AS ( \
           INSERT INTO audit_records \
             (id, partner_id, actor, actor_user_id, action, target, role, outcome, reason, at, \
              details) \
           SELECT $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40 FROM ok \
         )"
    };
}

/// An order without effects (waiting for a credit check, refused after one).
pub const WRITE_ORDER: &str = concat!(write_order!(), " SELECT EXISTS (SELECT 1 FROM ok)");

/// An order with its effects, after the parameters of [`WRITE_ORDER`]:
/// `$42`..`$56` the target subscription as in `sql::INSERT_SUBSCRIPTION`,
/// `$57` the subscription whose licenses move to the target (NULL: none
/// move), `$58` the subscriptions to cancel, `$59` the add-ons to re-attach
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
       SELECT $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53, $54, $55, $56 FROM ok \
     ), moved AS ( \
       UPDATE user_licenses SET subscription_id = $42, disabled_services = '[]' \
       WHERE customer_id = $3 AND subscription_id = $57 AND EXISTS (SELECT 1 FROM ok) \
     ), changed AS ( \
       UPDATE subscriptions SET \
         assigned_seats = CASE WHEN id = $57 THEN 0 ELSE assigned_seats END, \
         status = CASE WHEN id = ANY($58) THEN 'DELETED' ELSE status END, \
         parent_id = CASE WHEN id = ANY($59) THEN $42 ELSE parent_id END \
       WHERE customer_id = $3 AND (id = $57 OR id = ANY($58) OR id = ANY($59)) \
         AND EXISTS (SELECT 1 FROM ok) \
     ) SELECT EXISTS (SELECT 1 FROM ok)"
);

#[cfg(test)]
mod tests {
    use crate::domain::model::OrderState;

    #[test]
    fn the_snapshot_lists_exactly_the_open_states() {
        for state in OrderState::ALL {
            let listed = super::SNAPSHOT.contains(&format!("'{}'", state.as_str()));
            assert_eq!(listed, state.is_open(), "{state}");
        }
    }
}
