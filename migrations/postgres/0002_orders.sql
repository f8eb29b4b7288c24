-- What an executed or waiting order reports besides its state: how many users
-- moved, which add-ons it cancelled (JSON array) and its monthly value (a
-- decimal string, exact), used for the credit check.
ALTER TABLE upgrade_orders ADD COLUMN moved_user_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE upgrade_orders ADD COLUMN dropped_add_ons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE upgrade_orders ADD COLUMN monthly_amount TEXT;
ALTER TABLE upgrade_orders ADD COLUMN monthly_currency TEXT;
