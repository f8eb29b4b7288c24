-- Moves every license of a customer's ($1) subscription $2 to $3, with the
-- services switched off per user switched on again.
UPDATE user_licenses
SET subscription_id = $3, disabled_services = '[]'
WHERE customer_id = $1 AND subscription_id = $2
