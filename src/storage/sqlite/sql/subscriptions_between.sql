-- Every subscription of the partner's ($1) customers with ids from $2 to $3,
-- by customer, each customer's as in subscriptions_of_customer.sql. Driven
-- by the partner's customers, so other partners' rows are never visited.
SELECT s.*
FROM customers c
JOIN subscriptions s ON s.customer_id = c.id
WHERE c.partner_id = $1 AND c.id >= $2 AND c.id <= $3
ORDER BY s.customer_id, s.created_at, s.id
