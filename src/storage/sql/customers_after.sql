-- The next page of the partner's customers, past (name, id) = ($3, $4); $5 name
-- prefix and $6 country as in customers_first.sql.
SELECT c.id, c.partner_id, c.name, c.country, c.segment, c.custom_domain,
       c.unpaid_balance, c.relationship_status,
       (SELECT string_agg(i.service_id, ',') FROM customer_service_incidents i
         WHERE i.customer_id = c.id) AS incidents,
       (SELECT string_agg(r.role, ',') FROM customer_delegated_roles r
         WHERE r.customer_id = c.id) AS delegated_roles
FROM customers c
WHERE c.partner_id = $1
  AND ($5 IS NULL OR lower(substr(c.name, 1, length($5))) = lower($5))
  AND ($6 IS NULL OR c.country = $6)
  AND (c.name, c.id) > ($3, $4)
ORDER BY c.name, c.id
LIMIT $2
