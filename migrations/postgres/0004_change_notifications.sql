-- Every write to what replicas cache (roles, partners, customer snapshots)
-- announces itself on the 'csp_changes' channel, so each replica's cache drops
-- the entry (src/cache.rs). Triggers rather than code: an import, another
-- replica, or an operator's hand-written SQL are all heard alike.
-- Payload '<kind>:<id>': 'p' partner, 'u' partner user, 'c' customer; '*' on
-- TRUNCATE (anything may have changed). NOTIFY is delivered at commit and only
-- if the transaction commits; Postgres folds duplicates within a transaction.
-- A transaction that sets csp.announce = 'after-commit' keeps them quiet and
-- announces what it changed itself once committed.

CREATE FUNCTION csp_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind   TEXT := TG_ARGV[0];
    id_col TEXT := TG_ARGV[1];
BEGIN
    -- Submissions and approvals announce themselves after their commit
    -- (src/storage/changes.rs, Announcer): a NOTIFY here would serialize
    -- their commits.
    IF current_setting('csp.announce', true) = 'after-commit' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('csp_changes', kind || ':' || (to_jsonb(OLD) ->> id_col));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('csp_changes', kind || ':' || (to_jsonb(NEW) ->> id_col));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION csp_announce_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('csp_changes', '*');
    RETURN NULL;
END
$$;

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
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH ROW EXECUTE FUNCTION csp_announce_change(%L, %L)',
            t.tbl || '_announce', t.tbl, t.kind, t.col);
        EXECUTE format(
            'CREATE TRIGGER %I AFTER TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION csp_announce_truncate()',
            t.tbl || '_announce_truncate', t.tbl);
    END LOOP;
END
$$;
