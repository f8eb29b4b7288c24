-- The events of one order ($1), in order.
SELECT order_id, seq, state, at, note
FROM upgrade_order_events
WHERE order_id = $1
ORDER BY seq
