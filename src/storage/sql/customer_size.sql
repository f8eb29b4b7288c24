-- How many subscriptions the partner's ($1) customer $2 has; no row when
-- the customer is not the partner's.
SELECT (SELECT count(*) FROM subscriptions s WHERE s.customer_id = c.id) AS subscriptions
FROM customers c
WHERE c.partner_id = $1 AND c.id = $2
