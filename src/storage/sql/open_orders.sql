-- The open orders of a customer ($1). The states listed are those of
-- `OrderState::is_open` (a unit test holds the two together).
SELECT id, customer_id, source_subscription_id, target_offer_id, state, created_at
FROM upgrade_orders
WHERE customer_id = $1 AND state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS')
ORDER BY created_at, id
