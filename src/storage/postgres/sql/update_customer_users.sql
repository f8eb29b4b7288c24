-- Customer users as the partner's export has them now, bound as
-- insert_customer_users.sql binds them; their licenses are written again.
UPDATE customer_users AS u
SET upn = v.upn, display_name = v.display_name, sign_in_blocked = v.sign_in_blocked
FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bool[])
    AS v (id, customer_id, upn, display_name, sign_in_blocked)
WHERE u.customer_id = v.customer_id AND u.id = v.id
