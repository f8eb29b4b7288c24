-- The orders of a customer ($1) that have not ended: the open ones
-- (`OrderState::is_open`, which block other upgrades) and the scheduled ones
-- (shown with their subscription). The states listed are those that are not
-- `OrderState::is_final` (a unit test holds the two together).
SELECT id, customer_id, source_subscription_id, target_offer_id, state, created_at
FROM upgrade_orders
WHERE customer_id = $1 AND state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'SCHEDULED')
ORDER BY created_at, id
