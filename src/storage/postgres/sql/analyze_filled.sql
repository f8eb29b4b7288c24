-- Refreshes the planner's statistics after an import, of the tables that
-- hold rows. An empty table is left unanalyzed: analyzed, Postgres believes
-- it empty until autovacuum comes by, and every connection plans (and
-- caches) sequential scans of it, foreign-key checks included, which grow
-- with every order written. Never analyzed, it is planned as at least ten
-- pages, which favours the indexes.
DO $$
DECLARE t regclass; filled boolean;
BEGIN
  FOR t IN SELECT c.oid FROM pg_class c
           WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind = 'r' LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', t) INTO filled;
    IF filled THEN EXECUTE format('ANALYZE %s', t); END IF;
  END LOOP;
END $$
