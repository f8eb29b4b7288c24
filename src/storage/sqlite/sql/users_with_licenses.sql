-- The users of a customer ($1): one row per license, or one per user
-- without any; folded into users in Rust.
SELECT u.id, u.customer_id, u.upn, u.display_name, u.sign_in_blocked,
       l.subscription_id, l.disabled_services
FROM customer_users u
LEFT JOIN user_licenses l ON l.user_id = u.id
WHERE u.customer_id = $1
ORDER BY u.upn, u.id, l.subscription_id
