-- The next page of a customer's orders, older than (created_at, id) = ($4, $5).
SELECT o.*
FROM upgrade_orders o
WHERE o.partner_id = $1 AND o.customer_id = $2
  AND (o.created_at, o.id) < ($4, $5)
ORDER BY o.created_at DESC, o.id DESC
LIMIT $3
