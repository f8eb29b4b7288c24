-- User licenses, a row per position of the arrays: customer, user,
-- subscription, disabled services (a JSON array).
INSERT INTO user_licenses (customer_id, user_id, subscription_id, disabled_services)
SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[])
