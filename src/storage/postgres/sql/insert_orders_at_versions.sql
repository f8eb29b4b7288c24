-- New orders and everything each does, in one statement, each provided its
-- customer is still at the version its snapshot was read at (migration
-- 0009). $1 is a JSON array with an object per order (one customer each,
-- no customer twice), as storage/postgres/optimistic.rs's `OrderAtVersion`:
--
--   customer_id, version   the customer and the version read
--   created                the target subscription to create: none or one row
--   source, target         the subscriptions the licenses move between
--   move_all               true: every license of the source moves
--   moved                  the users whose license of the source moves
--   dropped                the users whose license of the source goes (they
--                          hold the target's)
--   changes                the subscriptions changed: new seats (quantity,
--                          assigned_seats), cancelled, or re-attached to
--                          parent_id; a row per subscription
--   order, events, audit   the order, its events and its audit record
--
-- Rows come as JSON keyed by column (storage/rows: SubscriptionRow,
-- NewOrderRow, EventRow, NewAuditRow). `guard` moves on the version of
-- every customer still at its version; every other part writes only the
-- orders of those (`written`). Returns the customers written: an order
-- whose customer is missing was not written at all, because another write
-- came first (its submission then takes the customer's lock and decides
-- again). A row one part inserts is seen by the foreign keys of the others
-- (checked once the statement has written), never by their reads: no part
-- reads what another writes.
WITH input AS (
    SELECT * FROM json_to_recordset($1::json) AS i (
        customer_id uuid, version bigint, created json, source uuid, target uuid,
        move_all boolean, moved uuid[], dropped uuid[], changes json,
        "order" json, events json, audit json)
),
guard AS (
    UPDATE customers c SET version = c.version + 1
    FROM input i
    WHERE c.id = i.customer_id AND c.version = i.version
    RETURNING c.id
),
written AS (
    SELECT i.* FROM input i JOIN guard g ON g.id = i.customer_id
),
created AS (
    INSERT INTO subscriptions
    SELECT r.* FROM written w, json_populate_recordset(NULL::subscriptions, w.created) r
),
moved AS (
    UPDATE user_licenses l SET subscription_id = w.target, disabled_services = '[]'
    FROM written w
    WHERE l.customer_id = w.customer_id AND l.subscription_id = w.source
      AND (w.move_all OR l.user_id = ANY(w.moved))
),
dropped AS (
    DELETE FROM user_licenses l USING written w
    WHERE l.customer_id = w.customer_id AND l.subscription_id = w.source
      AND l.user_id = ANY(w.dropped)
),
changed AS (
    UPDATE subscriptions s SET
        quantity = COALESCE(v.quantity, s.quantity),
        assigned_seats = COALESCE(v.assigned_seats, s.assigned_seats),
        status = CASE WHEN v.cancelled THEN 'DELETED' ELSE s.status END,
        parent_id = COALESCE(v.parent_id, s.parent_id)
    FROM written w,
         json_to_recordset(w.changes) AS v (
             id uuid, quantity bigint, assigned_seats bigint, cancelled boolean, parent_id uuid)
    WHERE s.customer_id = w.customer_id AND s.id = v.id
),
new_orders AS (
    INSERT INTO upgrade_orders
    SELECT r.* FROM written w, json_populate_record(NULL::upgrade_orders, w."order") r
),
events AS (
    INSERT INTO upgrade_order_events
    SELECT r.* FROM written w, json_populate_recordset(NULL::upgrade_order_events, w.events) r
),
audit AS (
    INSERT INTO audit_records
    SELECT r.* FROM written w, json_populate_record(NULL::audit_records, w.audit) r
)
SELECT id FROM guard
