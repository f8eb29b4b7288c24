-- Every customer of partner $1, with its incidents and delegated roles
-- folded into comma-joined lists (as customer.sql reads one).
SELECT c.id, c.partner_id, c.name, c.country, c.segment, c.custom_domain,
       c.unpaid_balance, c.relationship_status,
       (SELECT string_agg(i.service_id, ',') FROM customer_service_incidents i
         WHERE i.customer_id = c.id) AS incidents,
       (SELECT string_agg(r.role, ',') FROM customer_delegated_roles r
         WHERE r.customer_id = c.id) AS delegated_roles
FROM customers c
WHERE c.partner_id = $1
ORDER BY c.id
