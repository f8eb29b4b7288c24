-- Removes the licenses of a customer's ($1) subscription $2 held by the
-- users $3 (an array): they already hold one of the receiving subscription.
DELETE FROM user_licenses
WHERE customer_id = $1 AND subscription_id = $2 AND user_id = ANY($3)
