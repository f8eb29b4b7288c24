-- Every subscription of partner $1's customers, deleted ones included.
SELECT s.*
FROM subscriptions s
JOIN customers c ON c.id = s.customer_id
WHERE c.partner_id = $1
ORDER BY s.id
