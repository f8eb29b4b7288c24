-- Takes the lock of the partner's ($1) customer $2 until the transaction
-- ends, moving its version on (migration 0009). No row is changed when the
-- customer is not the partner's.
UPDATE customers SET version = version + 1
WHERE partner_id = $1 AND id = $2
