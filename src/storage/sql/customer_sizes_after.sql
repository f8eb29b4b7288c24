-- The partner's next $2 customer ids past $3, in id order, each with its
-- number of subscriptions (the stream bounds a batch by it).
SELECT c.id,
       (SELECT count(*) FROM subscriptions s WHERE s.customer_id = c.id) AS subscriptions
FROM customers c
WHERE c.partner_id = $1 AND c.id > $3
ORDER BY c.id
LIMIT $2
