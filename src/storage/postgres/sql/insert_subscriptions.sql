-- Subscriptions, a row per position of the arrays (postgres/write.rs binds
-- them in this order). An add-on may come in the same statement as its base:
-- the parent foreign key is checked once the statement has written its rows.
-- A row whose id is taken is skipped; the caller names it from the ids not
-- returned.
INSERT INTO subscriptions
    (id, customer_id, offer_id, channel, status, provisioned, quantity, assigned_seats,
     billing_cycle, payment_method, trial, parent_id, period_start, period_end, created_at)
SELECT *
FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::int8[],
            $8::int8[], $9::text[], $10::text[], $11::bool[], $12::uuid[], $13::timestamptz[],
            $14::timestamptz[], $15::timestamptz[])
ON CONFLICT DO NOTHING
RETURNING id
