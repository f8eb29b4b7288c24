-- Every subscription of a customer ($1), all channels, add-ons included.
SELECT s.*
FROM subscriptions s
WHERE s.customer_id = $1
ORDER BY s.created_at, s.id
