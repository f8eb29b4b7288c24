-- The announce trigger (0004, 0006) reads the changed row's id column by
-- name instead of converting the whole row to jsonb to look it up, and
-- announces an update once when the id did not change. Measured on the
-- submission load (BENCHMARKS.md, issue 12): the trigger's body was about a
-- quarter of Postgres' work per submission; the notifications sent are the
-- same ones (Postgres folded the duplicates at commit anyway).
--
-- plpgsql resolves `NEW.customer_id` when the line runs, so each table only
-- ever runs the branch of its own id column (the trigger's second argument).

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
        PERFORM pg_notify('csp_changes', kind || ':' || old_id);
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
            PERFORM pg_notify('csp_changes', kind || ':' || new_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
