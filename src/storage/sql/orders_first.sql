-- The first page of the partner's orders, newest first: $1 partner,
-- $2 customer (NULL: every customer), $3 limit, $4 state (NULL: any).
SELECT o.*
FROM upgrade_orders o
WHERE o.partner_id = $1
  AND ($2 IS NULL OR o.customer_id = $2)
  AND ($4 IS NULL OR o.state = $4)
ORDER BY o.created_at DESC, o.id DESC
LIMIT $3
