-- Sets the seats of a customer's ($1) subscriptions: ids $2, quantities $3,
-- assigned seats $4 (arrays of one length; decided under the customer's lock).
UPDATE subscriptions s SET quantity = v.quantity, assigned_seats = v.assigned
FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS v (id, quantity, assigned)
WHERE s.customer_id = $1 AND s.id = v.id
