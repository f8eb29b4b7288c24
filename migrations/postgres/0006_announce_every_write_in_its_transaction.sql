-- Every write to what replicas cache is announced by the triggers of 0004,
-- inside its own transaction: submissions and approvals too, which 0004/0005
-- let stay quiet (csp.announce = 'after-commit') and announced from a task
-- after their commit. A process dying between the two left other replicas
-- serving stale snapshots until their entries expired (issue 15); now the
-- notification commits with the write or not at all, and the trigger is the
-- one mechanism (src/storage/changes.rs).
--
-- The function loses its csp.announce test, and each trigger its WHEN
-- condition (recreated from its own definition, as 0005 did).

CREATE OR REPLACE FUNCTION csp_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind   TEXT := TG_ARGV[0];
    id_col TEXT := TG_ARGV[1];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('csp_changes', kind || ':' || (to_jsonb(OLD) ->> id_col));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('csp_changes', kind || ':' || (to_jsonb(NEW) ->> id_col));
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t    RECORD;
    def  TEXT;
    bare TEXT;
BEGIN
    FOR t IN SELECT tg.oid, tg.tgname, tg.tgrelid::regclass AS tbl
             FROM pg_trigger tg
             WHERE tg.tgfoid = 'csp_announce_change'::regproc AND NOT tg.tgisinternal
    LOOP
        def := pg_get_triggerdef(t.oid);
        bare := regexp_replace(def, 'FOR EACH ROW WHEN \(.*\) EXECUTE', 'FOR EACH ROW EXECUTE');
        IF position('FOR EACH ROW EXECUTE' IN bare) = 0 THEN
            RAISE EXCEPTION 'unexpected trigger definition: %', def;
        END IF;
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
        EXECUTE bare;
    END LOOP;
END
$$;
