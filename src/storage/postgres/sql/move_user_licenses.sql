-- Moves the licenses of a customer's ($1) subscription $2 held by the users
-- $3 (an array) to $4, with the services switched off per user switched on
-- again.
UPDATE user_licenses
SET subscription_id = $4, disabled_services = '[]'
WHERE customer_id = $1 AND subscription_id = $2 AND user_id = ANY($3)
