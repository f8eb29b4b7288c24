-- Customers, a row per position of the arrays (postgres/write.rs binds
-- them in this order). A row whose id is taken is skipped, not written:
-- the caller names the record from the ids not returned.
INSERT INTO customers
    (id, partner_id, name, country, segment, custom_domain, unpaid_balance, relationship_status)
SELECT *
FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[],
            $8::text[])
ON CONFLICT DO NOTHING
RETURNING id
