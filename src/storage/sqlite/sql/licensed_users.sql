-- How many users of customer $1 hold a license of each of the subscriptions
-- $2 (a JSON array of their ids in hex; a user holds at most one license of
-- a subscription).
SELECT subscription_id, count(*) AS users
FROM user_licenses
WHERE customer_id = $1 AND subscription_id IN (SELECT unhex(value) FROM json_each($2))
GROUP BY subscription_id
