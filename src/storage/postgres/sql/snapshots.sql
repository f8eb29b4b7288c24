-- The snapshots of the partner's ($1) customers with ids from $2 to $3 (one
-- customer: $2 = $3), a row per customer in id order, in one statement: one
-- moment without a transaction, and one round trip instead of four.
--
-- The customer's own columns are customer.sql's. Its subscriptions, users
-- (a row per license, as SQLite's users_with_licenses.sql) and unfinished orders (as
-- open_orders.sql) come as JSON arrays of objects keyed by column name, each
-- in the order of its plain query; storage/rows decodes them by name into the
-- same row types as those queries. `version` is the customer's version
-- (migration 0009) at the moment read; `key_order` and `key_fingerprint`
-- name the partner's order that used idempotency key $4, if one did (NULL
-- when $4 is): a submission sees the key and the snapshot at one moment.
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
                   AND state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'SCHEDULED')) o) AS open_orders,
       k.id AS key_order, k.request_hash AS key_fingerprint
FROM customers c
LEFT JOIN upgrade_orders k ON k.partner_id = $1 AND k.request_id = $4
WHERE c.partner_id = $1 AND c.id >= $2 AND c.id <= $3
ORDER BY c.id
