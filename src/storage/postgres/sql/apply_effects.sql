-- What an executed full order changes of a customer's ($1) subscriptions
-- besides seats, in one statement: $2 the subscriptions to cancel, $3 the
-- add-ons to re-attach to the target $4.
UPDATE subscriptions SET
    status = CASE WHEN id = ANY($2) THEN 'DELETED' ELSE status END,
    parent_id = CASE WHEN id = ANY($3) THEN $4 ELSE parent_id END
WHERE customer_id = $1 AND (id = ANY($2) OR id = ANY($3))
