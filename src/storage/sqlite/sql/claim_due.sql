-- Claims for runner $1, until $3, at most $4 scheduled orders due at $2 that
-- no runner holds a live lease on, oldest due first. Run inside BEGIN
-- IMMEDIATE: no other writer claims meanwhile.
UPDATE upgrade_orders
SET claimed_by = $1, lease_until = $3
WHERE id IN (
    SELECT id
    FROM upgrade_orders
    WHERE state = 'SCHEDULED' AND scheduled_for <= $2
      AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY scheduled_for, id
    LIMIT $4
)
RETURNING partner_id, customer_id, id
