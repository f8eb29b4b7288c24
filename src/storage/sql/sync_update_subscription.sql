-- A subscription as the partner's export has it now, bound like an insert
-- (rows::bind_subscription: $1 id, $2 customer, then the other columns).
-- It never moves to another customer.
UPDATE subscriptions
SET offer_id = $3, channel = $4, status = $5, provisioned = $6, quantity = $7,
    assigned_seats = $8, billing_cycle = $9, payment_method = $10, trial = $11,
    parent_id = $12, period_start = $13, period_end = $14, created_at = $15
WHERE id = $1 AND customer_id = $2
