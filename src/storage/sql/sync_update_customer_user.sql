-- A customer user ($1, of customer $2) as the partner's export has it now;
-- its licenses are written again beside it.
UPDATE customer_users
SET upn = $3, display_name = $4, sign_in_blocked = $5
WHERE id = $1 AND customer_id = $2
