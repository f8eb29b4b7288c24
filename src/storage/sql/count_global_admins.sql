-- How many users of the partner ($1) hold GLOBAL_ADMIN.
SELECT COUNT(*)
FROM partner_user_roles r
JOIN partner_users u ON u.id = r.user_id
WHERE u.partner_id = $1 AND r.role = 'GLOBAL_ADMIN'
