-- One order of the partner: $1 partner, $2 order.
SELECT o.*
FROM upgrade_orders o
WHERE o.partner_id = $1 AND o.id = $2
