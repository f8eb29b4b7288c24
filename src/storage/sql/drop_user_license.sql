-- Removes one user's ($3) license of a customer's ($1) subscription $2: the
-- user already holds one of the subscription the seats went to.
DELETE FROM user_licenses
WHERE customer_id = $1 AND subscription_id = $2 AND user_id = $3
