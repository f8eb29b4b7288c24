INSERT INTO user_licenses (customer_id, user_id, subscription_id, disabled_services)
VALUES ($1, $2, $3, $4)
