-- The next page of customer $1's subscriptions, past (created_at, id) =
-- ($5, $6); $2 to $4 as in subscription_page_first.sql.
SELECT s.*
FROM subscriptions s
WHERE s.customer_id = $1
  AND ($3 IS NULL OR s.status = $3)
  AND ($4 IS NULL OR s.offer_id = $4)
  AND (s.created_at, s.id) > ($5, $6)
ORDER BY s.created_at, s.id
LIMIT $2
