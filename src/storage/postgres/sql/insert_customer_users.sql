-- Customer users, a row per position of the arrays. A row whose id or UPN
-- is taken is skipped; the caller names it from the ids not returned.
INSERT INTO customer_users (id, customer_id, upn, display_name, sign_in_blocked)
SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bool[])
ON CONFLICT DO NOTHING
RETURNING id
