-- The users of the partner's ($1) customers with ids from $2 to $3, by
-- customer, each customer's as in users_with_licenses.sql.
SELECT u.id, u.customer_id, u.upn, u.display_name, u.sign_in_blocked,
       l.subscription_id, l.disabled_services
FROM customers c
JOIN customer_users u ON u.customer_id = c.id
LEFT JOIN user_licenses l ON l.user_id = u.id
WHERE c.partner_id = $1 AND c.id >= $2 AND c.id <= $3
ORDER BY u.customer_id, u.upn, u.id, l.subscription_id
