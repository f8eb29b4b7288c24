-- What a customer's snapshot is, named once: the view `customer_snapshots`
-- has a row per customer with the customer's own columns, its version, and
-- its children as JSON arrays of objects keyed by column name (NULL for
-- none), each in the order of its plain query. storage/rows decodes them
-- by name into the same row types as those queries (SnapshotRow).
--
-- Two statements read it: snapshots.sql (a range of a partner's customers,
-- or one) and submission_reads.sql (a list of customers with the
-- idempotency keys of their submissions). Postgres expands the view into
-- each, and computes the children only for the rows they return.
--
--   subscriptions  every subscription, as subscriptions' rows
--   users          a row per user and license (as SQLite's
--                  users_with_licenses.sql), a user without one once
--   open_orders    the unfinished orders (as open_orders.sql)
--
-- The subscriptions come as whole rows (`json_agg(s)`): a column added to
-- the table appears in them without touching this view. Dropping one needs
-- the view dropped and created again in the same migration.
CREATE VIEW customer_snapshots AS
SELECT c.id, c.partner_id, c.name, c.country, c.segment, c.custom_domain,
       c.unpaid_balance, c.relationship_status, c.version,
       (SELECT string_agg(i.service_id, ',') FROM customer_service_incidents i
         WHERE i.customer_id = c.id) AS incidents,
       (SELECT string_agg(r.role, ',') FROM customer_delegated_roles r
         WHERE r.customer_id = c.id) AS delegated_roles,
       (SELECT json_agg(s ORDER BY s.created_at, s.id)::text
          FROM subscriptions s
         WHERE s.customer_id = c.id) AS subscriptions,
       (SELECT json_agg(u ORDER BY u.upn, u.id, u.subscription_id)::text
          FROM (SELECT u.id, u.customer_id, u.upn, u.display_name, u.sign_in_blocked,
                       l.subscription_id, l.disabled_services
                  FROM customer_users u
                  LEFT JOIN user_licenses l ON l.user_id = u.id
                 WHERE u.customer_id = c.id) u) AS users,
       (SELECT json_agg(o ORDER BY o.created_at, o.id)::text
          FROM (SELECT id, customer_id, source_subscription_id, target_offer_id, state, created_at
                  FROM upgrade_orders
                 WHERE customer_id = c.id
                   AND state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'SCHEDULED')) o) AS open_orders
FROM customers c;
