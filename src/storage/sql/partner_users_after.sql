-- The next page of the partner's staff, past (upn, id) = ($3, $4).
SELECT u.id, u.partner_id, u.upn, u.display_name,
       (SELECT string_agg(r.role, ',') FROM partner_user_roles r WHERE r.user_id = u.id) AS roles
FROM partner_users u
WHERE u.partner_id = $1
  AND (u.upn, u.id) > ($3, $4)
ORDER BY u.upn, u.id
LIMIT $2
