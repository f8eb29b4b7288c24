-- The orders that have not ended of the partner's ($1) customers with ids from $2 to $3, by
-- customer, each customer's as in open_orders.sql (the same states).
SELECT o.id, o.customer_id, o.source_subscription_id, o.target_offer_id, o.state, o.created_at
FROM customers c
JOIN upgrade_orders o ON o.customer_id = c.id
WHERE c.partner_id = $1 AND c.id >= $2 AND c.id <= $3
  AND o.state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'SCHEDULED')
ORDER BY o.customer_id, o.created_at, o.id
