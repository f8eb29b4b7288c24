-- Announces on channel $1 what the change outbox holds (migration 0011),
-- each payload once, and empties it. Rows are locked in id order, so two
-- replicas announcing at once never deadlock: the second waits for the
-- first's commit, finds the rows gone, and its own notifications (and its
-- beat after them) come after the first's in the queue.
WITH taken AS (
    DELETE FROM change_outbox
    WHERE id IN (SELECT id FROM change_outbox ORDER BY id FOR UPDATE)
    RETURNING payload
)
SELECT count(pg_notify($1, payload))
FROM (SELECT DISTINCT payload FROM taken) announced
