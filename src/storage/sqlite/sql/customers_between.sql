-- The partner's ($1) customers with ids from $2 to $3, in id order, with
-- their incidents and delegated roles folded as in customer.sql: the
-- whole-partner eligibility stream reads a batch of snapshots at once.
SELECT c.id, c.partner_id, c.name, c.country, c.segment, c.custom_domain,
       c.unpaid_balance, c.relationship_status,
       (SELECT string_agg(i.service_id, ',') FROM customer_service_incidents i
         WHERE i.customer_id = c.id) AS incidents,
       (SELECT string_agg(r.role, ',') FROM customer_delegated_roles r
         WHERE r.customer_id = c.id) AS delegated_roles
FROM customers c
WHERE c.partner_id = $1 AND c.id >= $2 AND c.id <= $3
ORDER BY c.id
