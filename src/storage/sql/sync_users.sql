-- The customer users of partner $1: one row per license, or one per user
-- without any, ordered by user (folded into users in Rust).
SELECT u.id, u.customer_id, u.upn, u.display_name, u.sign_in_blocked,
       l.subscription_id, l.disabled_services
FROM customer_users u
JOIN customers c ON c.id = u.customer_id
LEFT JOIN user_licenses l ON l.user_id = u.id
WHERE c.partner_id = $1
ORDER BY u.id, l.subscription_id
