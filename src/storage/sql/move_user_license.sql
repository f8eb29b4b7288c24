-- Moves one user's ($3) license of a customer's ($1) subscription $2 to $4,
-- with the services switched off for the user switched on again.
UPDATE user_licenses
SET subscription_id = $4, disabled_services = '[]'
WHERE customer_id = $1 AND subscription_id = $2 AND user_id = $3
