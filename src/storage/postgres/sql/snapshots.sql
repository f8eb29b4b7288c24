-- The snapshots of the partner's ($1) customers with ids from $2 to $3 (one
-- customer: $2 = $3), a row per customer in id order, in one statement: one
-- moment without a transaction, and one round trip instead of four. What a
-- snapshot row holds is the view customer_snapshots (migration 0012).
SELECT s.*
FROM customer_snapshots s
WHERE s.partner_id = $1 AND s.id >= $2 AND s.id <= $3
ORDER BY s.id
