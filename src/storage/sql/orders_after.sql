-- The next page of the partner's orders, older than (created_at, id) =
-- ($4, $5); $2 customer and $6 state as in orders_first.sql.
SELECT o.*
FROM upgrade_orders o
WHERE o.partner_id = $1
  AND ($2 IS NULL OR o.customer_id = $2)
  AND ($6 IS NULL OR o.state = $6)
  AND (o.created_at, o.id) < ($4, $5)
ORDER BY o.created_at DESC, o.id DESC
LIMIT $3
