-- The announce triggers (0004, 0006, 0010) write each change to an outbox
-- table, in the writing transaction, instead of sending NOTIFY there: a
-- transaction that has sent NOTIFY holds one lock of the whole database from
-- its commit until its WAL is flushed, so every writer's commit waited on
-- every other's (measured: a third of the submission throughput on Postgres,
-- BENCHMARKS.md, issue 12). Every replica's change feed announces what the
-- outbox holds and empties it, in one transaction of its own, just before
-- each of its beats (src/storage/changes.rs, postgres/sql/announce_outbox.sql).
--
-- What it keeps: a change and its announcement still commit together (the
-- outbox row is written with the change), so a process dying after its
-- commit loses nothing: the next beat of any replica announces it. A beat
-- heard still means every change committed before it was sent has been
-- heard: the outbox is emptied and announced in the beat's transaction,
-- before the beat.

-- One row per payload waiting: a change already waiting is not written
-- again (a submission writes about ten rows of one customer; an import of
-- 25,000 customers about a million rows, which as a million outbox rows took
-- the next beat 5 s to announce, long enough for the feed to be taken for
-- deaf).
CREATE TABLE change_outbox (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload TEXT NOT NULL UNIQUE
);

CREATE OR REPLACE FUNCTION csp_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind     TEXT := TG_ARGV[0];
    id_col   TEXT := TG_ARGV[1];
    old_id   UUID;
    new_id   UUID;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF id_col = 'customer_id' THEN
            old_id := OLD.customer_id;
        ELSIF id_col = 'user_id' THEN
            old_id := OLD.user_id;
        ELSE
            old_id := OLD.id;
        END IF;
        INSERT INTO change_outbox (payload) VALUES (kind || ':' || old_id)
            ON CONFLICT (payload) DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF id_col = 'customer_id' THEN
            new_id := NEW.customer_id;
        ELSIF id_col = 'user_id' THEN
            new_id := NEW.user_id;
        ELSE
            new_id := NEW.id;
        END IF;
        IF new_id IS DISTINCT FROM old_id THEN
            INSERT INTO change_outbox (payload) VALUES (kind || ':' || new_id)
                ON CONFLICT (payload) DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION csp_announce_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_outbox (payload) VALUES ('*') ON CONFLICT (payload) DO NOTHING;
    RETURN NULL;
END
$$;
