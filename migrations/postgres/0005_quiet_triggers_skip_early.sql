-- The change triggers of 0004, with the 'after-commit' test moved from the
-- function into the trigger's WHEN condition. A row change in a transaction
-- that announces after its commit (submissions, approvals) then queues no
-- trigger event and calls no PL/pgSQL function at all: an order writes six
-- rows of these tables, and the calls were ~2.7% of Postgres' CPU under the
-- submission load (issue 6). The function keeps its own test, so a trigger
-- created without the condition stays quiet too.
--
-- Each trigger is recreated from its own definition (whatever tables 0004
-- gave one, with the same arguments), with the condition added.

DO $$
DECLARE
    t   RECORD;
    def TEXT;
BEGIN
    FOR t IN SELECT tg.oid, tg.tgname, tg.tgrelid::regclass AS tbl
             FROM pg_trigger tg
             WHERE tg.tgfoid = 'csp_announce_change'::regproc AND NOT tg.tgisinternal
    LOOP
        def := pg_get_triggerdef(t.oid);
        IF position('FOR EACH ROW EXECUTE' IN def) = 0 THEN
            RAISE EXCEPTION 'unexpected trigger definition: %', def;
        END IF;
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
        EXECUTE replace(def, 'FOR EACH ROW EXECUTE',
            'FOR EACH ROW WHEN (current_setting(''csp.announce'', true) '
            'IS DISTINCT FROM ''after-commit'') EXECUTE');
    END LOOP;
END
$$;
