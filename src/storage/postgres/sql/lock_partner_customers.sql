-- The row lock of every customer of partner $1, the one a submission takes
-- (lock_customer.sql; FOR NO KEY UPDATE), taken in id
-- order so that two transactions locking several never deadlock.
SELECT id FROM customers WHERE partner_id = $1 ORDER BY id FOR NO KEY UPDATE
