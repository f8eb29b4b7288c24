-- The first page of the partner's staff by (upn, id): $1 partner, $2 limit.
SELECT u.id, u.partner_id, u.upn, u.display_name,
       (SELECT string_agg(r.role, ',') FROM partner_user_roles r WHERE r.user_id = u.id) AS roles
FROM partner_users u
WHERE u.partner_id = $1
ORDER BY u.upn, u.id
LIMIT $2
