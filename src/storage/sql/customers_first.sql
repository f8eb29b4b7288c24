-- The first page of the partner's customers by (name, id): $1 partner, $2 limit,
-- $3 name prefix (ASCII case ignored) and $4 country (NULL: any).
SELECT c.id, c.partner_id, c.name, c.country, c.segment, c.custom_domain,
       c.unpaid_balance, c.relationship_status,
       (SELECT string_agg(i.service_id, ',') FROM customer_service_incidents i
         WHERE i.customer_id = c.id) AS incidents,
       (SELECT string_agg(r.role, ',') FROM customer_delegated_roles r
         WHERE r.customer_id = c.id) AS delegated_roles
FROM customers c
WHERE c.partner_id = $1
  AND ($3 IS NULL OR lower(substr(c.name, 1, length($3))) = lower($3))
  AND ($4 IS NULL OR c.country = $4)
ORDER BY c.name, c.id
LIMIT $2
