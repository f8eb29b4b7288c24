-- The first page of customer $1's subscriptions in (created_at, id) order,
-- at most $2 rows; only of status $3 and offer $4 when given.
SELECT s.*
FROM subscriptions s
WHERE s.customer_id = $1
  AND ($3 IS NULL OR s.status = $3)
  AND ($4 IS NULL OR s.offer_id = $4)
ORDER BY s.created_at, s.id
LIMIT $2
