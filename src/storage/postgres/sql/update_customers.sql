-- Customers as the partner's export has them now, a row per position of the
-- arrays (as insert_customers.sql binds them); each stays with its partner.
UPDATE customers AS c
SET name = v.name, country = v.country, segment = v.segment, custom_domain = v.custom_domain,
    unpaid_balance = v.unpaid_balance, relationship_status = v.relationship_status
FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[],
            $8::text[])
    AS v (id, partner_id, name, country, segment, custom_domain, unpaid_balance, relationship_status)
WHERE c.partner_id = v.partner_id AND c.id = v.id
