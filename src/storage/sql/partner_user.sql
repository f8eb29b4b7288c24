-- A partner user with their roles folded into a comma-joined list.
-- $1 partner, $2 user.
SELECT u.id, u.partner_id, u.upn, u.display_name,
       (SELECT string_agg(r.role, ',') FROM partner_user_roles r WHERE r.user_id = u.id) AS roles
FROM partner_users u
WHERE u.partner_id = $1 AND u.id = $2
