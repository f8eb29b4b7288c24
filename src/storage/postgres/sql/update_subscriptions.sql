-- Subscriptions as the partner's export has them now, bound as
-- insert_subscriptions.sql binds them. None moves to another customer.
UPDATE subscriptions AS s
SET offer_id = v.offer_id, channel = v.channel, status = v.status, provisioned = v.provisioned,
    quantity = v.quantity, assigned_seats = v.assigned_seats, billing_cycle = v.billing_cycle,
    payment_method = v.payment_method, trial = v.trial, parent_id = v.parent_id,
    period_start = v.period_start, period_end = v.period_end, created_at = v.created_at
FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::int8[],
            $8::int8[], $9::text[], $10::text[], $11::bool[], $12::uuid[], $13::timestamptz[],
            $14::timestamptz[], $15::timestamptz[])
    AS v (id, customer_id, offer_id, channel, status, provisioned, quantity, assigned_seats,
          billing_cycle, payment_method, trial, parent_id, period_start, period_end, created_at)
WHERE s.customer_id = v.customer_id AND s.id = v.id
