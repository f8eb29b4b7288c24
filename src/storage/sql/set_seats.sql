-- Sets a customer's ($1) subscription's ($2) seats: quantity $3, assigned
-- seats $4 (decided under the customer's lock).
UPDATE subscriptions SET quantity = $3, assigned_seats = $4
WHERE customer_id = $1 AND id = $2
