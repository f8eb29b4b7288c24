-- The partner's first $2 customer ids in id order, each with its number of
-- subscriptions (the whole-partner eligibility stream's first batch).
SELECT c.id,
       (SELECT count(*) FROM subscriptions s WHERE s.customer_id = c.id) AS subscriptions
FROM customers c
WHERE c.partner_id = $1
ORDER BY c.id
LIMIT $2
