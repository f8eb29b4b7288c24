INSERT INTO customers
    (id, partner_id, name, country, segment, custom_domain, unpaid_balance, relationship_status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
