-- The change triggers of 0004, with the 'after-commit' test moved from the
-- function into the trigger's WHEN condition. A row change in a transaction
-- that announces after its commit (submissions, approvals) then queues no
-- trigger event and calls no PL/pgSQL function at all: an order writes six
-- rows of these tables, and the calls were ~2.7% of Postgres' CPU under the
-- submission load (issue 6). The function keeps its own test, so a trigger
-- created without the condition stays quiet too.

DO $$
DECLARE
    t RECORD;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('partners', 'p', 'id'),
        ('partner_users', 'u', 'id'),
        ('partner_user_roles', 'u', 'user_id'),
        ('customers', 'c', 'id'),
        ('customer_delegated_roles', 'c', 'customer_id'),
        ('customer_service_incidents', 'c', 'customer_id'),
        ('subscriptions', 'c', 'customer_id'),
        ('customer_users', 'c', 'customer_id'),
        ('user_licenses', 'c', 'customer_id'),
        ('upgrade_orders', 'c', 'customer_id')
    ) AS v (tbl, kind, col)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_announce', t.tbl);
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH ROW '
            'WHEN (current_setting(''csp.announce'', true) IS DISTINCT FROM ''after-commit'') '
            'EXECUTE FUNCTION csp_announce_change(%L, %L)',
            t.tbl || '_announce', t.tbl, t.kind, t.col);
    END LOOP;
END
$$;
