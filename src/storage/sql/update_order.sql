-- What a resolution changes of an order ($1).
UPDATE upgrade_orders
SET state = $2, outcome = $3, target_subscription_id = $4, report = $5,
    moved_user_count = $6, dropped_add_ons = $7, credit_amount = $8,
    credit_currency = $9, updated_at = $10
WHERE id = $1
