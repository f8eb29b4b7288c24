-- Claims for runner $1, until $3, at most $4 scheduled orders due at $2 that
-- no runner holds a live lease on, oldest due first. Rows another runner is
-- claiming at this moment are skipped, not waited for.
UPDATE upgrade_orders o
SET claimed_by = $1, lease_until = $3
WHERE o.id IN (
    SELECT id
    FROM upgrade_orders
    WHERE state = 'SCHEDULED' AND scheduled_for <= $2
      AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY scheduled_for, id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
)
RETURNING o.partner_id, o.customer_id, o.id
