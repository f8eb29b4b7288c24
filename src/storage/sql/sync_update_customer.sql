-- A customer ($2) of partner $1 as the partner's export has it now.
UPDATE customers
SET name = $3, country = $4, segment = $5, custom_domain = $6, unpaid_balance = $7,
    relationship_status = $8
WHERE partner_id = $1 AND id = $2
