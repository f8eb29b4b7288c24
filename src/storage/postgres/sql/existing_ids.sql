-- Which of the ids $1 (an array) already name a customer, subscription or
-- customer user, of any partner.
SELECT id FROM customers WHERE id = ANY($1)
UNION ALL SELECT id FROM subscriptions WHERE id = ANY($1)
UNION ALL SELECT id FROM customer_users WHERE id = ANY($1)
