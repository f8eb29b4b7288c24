-- A new order and everything it does, in one statement, provided customer
-- $1 is still at version $2: the version its snapshot was read at
-- (migration 0009). `guard` moves the version on; every other part writes
-- only when it did. Returns the rows of `guard`: 1 when all was written, 0
-- when another write came first and nothing was (the submission then takes
-- the customer's lock and decides again).
--
-- The rows come as JSON keyed by column name (storage/rows: SubscriptionRow,
-- NewOrderRow, EventRow, NewAuditRow), what changes as arrays:
--   $3  the target subscription to create: an array of none or one row
--   $4  the source subscription, $5 the target
--   $6  true: every license of the source moves to the target
--   $7  the users whose license of the source moves to the target
--   $8  the users whose license of the source goes (they hold the target's)
--   $9, $10, $11  seats: subscription ids, quantities, assigned seats
--   $12 the subscriptions cancelled, $13 the add-ons re-attached to $5
--   $14 the order, $15 its events (an array), $16 its audit record
-- A row the statement inserts is seen by the foreign keys of the others
-- (they are checked once the statement has written), never by their reads:
-- no part reads what another writes.
WITH guard AS (
    UPDATE customers SET version = version + 1
    WHERE id = $1 AND version = $2
    RETURNING id
),
created AS (
    INSERT INTO subscriptions
    SELECT r.* FROM guard, json_populate_recordset(NULL::subscriptions, $3::json) r
),
moved AS (
    UPDATE user_licenses l SET subscription_id = $5, disabled_services = '[]'
    FROM guard
    WHERE l.customer_id = $1 AND l.subscription_id = $4 AND ($6 OR l.user_id = ANY($7))
),
dropped AS (
    DELETE FROM user_licenses l USING guard
    WHERE l.customer_id = $1 AND l.subscription_id = $4 AND l.user_id = ANY($8)
),
seats AS (
    SELECT * FROM unnest($9::uuid[], $10::bigint[], $11::bigint[]) AS v (id, quantity, assigned)
),
changed AS (
    UPDATE subscriptions s SET
        quantity = COALESCE((SELECT v.quantity FROM seats v WHERE v.id = s.id), s.quantity),
        assigned_seats =
            COALESCE((SELECT v.assigned FROM seats v WHERE v.id = s.id), s.assigned_seats),
        status = CASE WHEN s.id = ANY($12) THEN 'DELETED' ELSE s.status END,
        parent_id = CASE WHEN s.id = ANY($13) THEN $5 ELSE s.parent_id END
    FROM guard
    WHERE s.customer_id = $1
      AND (s.id IN (SELECT id FROM seats) OR s.id = ANY($12) OR s.id = ANY($13))
),
new_order AS (
    INSERT INTO upgrade_orders
    SELECT r.* FROM guard, json_populate_record(NULL::upgrade_orders, $14::json) r
),
events AS (
    INSERT INTO upgrade_order_events
    SELECT r.* FROM guard, json_populate_recordset(NULL::upgrade_order_events, $15::json) r
),
audit AS (
    INSERT INTO audit_records
    SELECT r.* FROM guard, json_populate_record(NULL::audit_records, $16::json) r
)
SELECT count(*) FROM guard
