-- A partner user by UPN ($1, lower-cased by the caller: UPNs are stored so).
SELECT u.id, u.partner_id, u.upn, u.display_name,
       (SELECT string_agg(r.role, ',') FROM partner_user_roles r WHERE r.user_id = u.id) AS roles
FROM partner_users u
WHERE u.upn = $1
