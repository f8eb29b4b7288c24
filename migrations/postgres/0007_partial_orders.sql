-- SPEC §8: an order may move fewer seats than the source's (`partial`),
-- naming the users who move (`user_ids`, a JSON array of UUIDs), and may put
-- them into an existing subscription (`into_existing`; the receiver is then
-- `target_subscription_id` from the start).
ALTER TABLE upgrade_orders ADD COLUMN partial BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE upgrade_orders ADD COLUMN into_existing BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE upgrade_orders ADD COLUMN user_ids TEXT NOT NULL DEFAULT '[]';
