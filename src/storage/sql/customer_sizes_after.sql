-- The partner's next $2 customer ids past $3, in id order.
SELECT id FROM customers
WHERE partner_id = $1 AND id > $3
ORDER BY id
LIMIT $2
