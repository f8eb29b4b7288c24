-- SPEC §9: an order may wait for its source's renewal (SCHEDULED) and be
-- cancelled before it runs (CANCELLED). `scheduled_for` is when it is due;
-- a runner claims due orders by setting `claimed_by` and `lease_until`
-- (another runner takes an order over only once the lease has run out).
ALTER TABLE upgrade_orders DROP CONSTRAINT upgrade_orders_state_check;
ALTER TABLE upgrade_orders ADD CONSTRAINT upgrade_orders_state_check
    CHECK (state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'REJECTED',
                     'SCHEDULED', 'CANCELLED'));
ALTER TABLE upgrade_order_events DROP CONSTRAINT upgrade_order_events_state_check;
ALTER TABLE upgrade_order_events ADD CONSTRAINT upgrade_order_events_state_check
    CHECK (state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'REJECTED',
                     'SCHEDULED', 'CANCELLED'));
ALTER TABLE upgrade_orders ADD COLUMN scheduled_for TIMESTAMPTZ;
ALTER TABLE upgrade_orders ADD COLUMN claimed_by TEXT;
ALTER TABLE upgrade_orders ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE upgrade_orders ADD CONSTRAINT upgrade_orders_scheduled_has_time
    CHECK (state <> 'SCHEDULED' OR scheduled_for IS NOT NULL);
-- One scheduled order per source subscription.
CREATE UNIQUE INDEX upgrade_orders_one_scheduled_per_source
    ON upgrade_orders (source_subscription_id) WHERE state = 'SCHEDULED';
-- The runner's question: which scheduled orders are due.
CREATE INDEX upgrade_orders_due ON upgrade_orders (scheduled_for, id) WHERE state = 'SCHEDULED';
