-- An imported order: no idempotency key, credit or report of its own.
INSERT INTO upgrade_orders
    (id, partner_id, customer_id, submitted_by, source_subscription_id, target_offer_id,
     quantity, upgrade_type, state, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
