-- The events of every order of a customer ($1 partner, $2 customer), for a
-- page of orders in one query.
SELECT e.order_id, e.seq, e.state, e.at, e.note
FROM upgrade_order_events e
JOIN upgrade_orders o ON o.id = e.order_id
WHERE o.partner_id = $1 AND o.customer_id = $2
ORDER BY e.order_id, e.seq
