-- SPEC §8: an order may move fewer seats than the source's (`partial`),
-- naming the users who move (`user_ids`, a JSON array of UUIDs), and may put
-- them into an existing subscription (`into_existing`; the receiver is then
-- `target_subscription_id` from the start).
ALTER TABLE upgrade_orders ADD COLUMN partial INTEGER NOT NULL DEFAULT 0 CHECK (partial IN (0, 1));
ALTER TABLE upgrade_orders ADD COLUMN into_existing INTEGER NOT NULL DEFAULT 0 CHECK (into_existing IN (0, 1));
ALTER TABLE upgrade_orders ADD COLUMN user_ids TEXT NOT NULL DEFAULT '[]';
