-- What an executed order changes of a customer's ($1) subscriptions, in one
-- statement: $2 the source, emptied of seats (NULL: seats stay), $3 the
-- subscriptions to cancel, $4 the add-ons to re-attach to the target $5.
-- One UPDATE: the source may be both emptied and cancelled.
UPDATE subscriptions SET
    assigned_seats = CASE WHEN id = $2 THEN 0 ELSE assigned_seats END,
    status = CASE WHEN id = ANY($3) THEN 'DELETED' ELSE status END,
    parent_id = CASE WHEN id = ANY($4) THEN $5 ELSE parent_id END
WHERE customer_id = $1 AND (id = $2 OR id = ANY($3) OR id = ANY($4))
