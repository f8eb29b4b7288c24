-- An order's ($1) new events, one element of each array per event.
INSERT INTO upgrade_order_events (order_id, seq, state, at, note)
SELECT $1, e.seq, e.state, e.at, e.note
FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[]) AS e (seq, state, at, note)
