-- The first page of a customer's orders, newest first: $1 partner,
-- $2 customer, $3 limit.
SELECT o.*
FROM upgrade_orders o
WHERE o.partner_id = $1 AND o.customer_id = $2
ORDER BY o.created_at DESC, o.id DESC
LIMIT $3
