INSERT INTO customer_users (id, customer_id, upn, display_name, sign_in_blocked)
VALUES ($1, $2, $3, $4, $5)
