-- The partner's first $2 customer ids in id order (the whole-partner
-- eligibility stream's first batch).
SELECT id FROM customers
WHERE partner_id = $1
ORDER BY id
LIMIT $2
