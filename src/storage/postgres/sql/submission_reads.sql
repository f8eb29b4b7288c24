-- What submissions decide on, for the partner's ($1) customers $2, each
-- with the idempotency key of its submission ($3, in the same order), in
-- one statement (so at one moment): the customer's snapshot and version
-- (the view customer_snapshots, migration 0012), and the partner's order
-- that used the key, if one did. A row per customer found, in no order; a
-- customer that is not the partner's has none.
--
-- The key is looked up per customer (LATERAL ... LIMIT 1, which Postgres
-- does not flatten into a join): as a plain join, its generic plan read
-- every order of the partner and filtered them, a cost that grew with
-- every order written.
SELECT s.*, k.id AS key_order, k.request_hash AS key_fingerprint
FROM unnest($2::uuid[], $3::uuid[]) AS w (customer_id, request_id)
JOIN customer_snapshots s ON s.id = w.customer_id AND s.partner_id = $1
LEFT JOIN LATERAL (
    SELECT o.id, o.request_hash FROM upgrade_orders o
    WHERE o.partner_id = $1 AND o.request_id = w.request_id
    LIMIT 1
) k ON true
