-- Progress roll-up of aligned children (docs/method.md, "Progress"): an objective's own choice,
-- `inherit` (follow the organisation's setting, `progress_rollup` in the settings body), `on` or
-- `off`.
ALTER TABLE objectives ADD COLUMN progress_rollup TEXT NOT NULL DEFAULT 'inherit'
    CONSTRAINT objectives_progress_rollup CHECK (progress_rollup IN ('inherit', 'on', 'off'));

-- The search index ("find anything" at 100,000 people): pg_trgm GIN indexes on exactly the
-- expressions the search matches with `LIKE '%…%'` (lower(title), people's search key,
-- lower(name)), so a search of three or more characters reads the indexes instead of scanning.
-- PostgreSQL maintains them in the writing transaction. Where the pg_trgm extension is not
-- available (or the database user may not create it, as on some managed servers), the migration
-- still succeeds without them: search keeps working, by a scan, exactly as before.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXECUTE 'CREATE INDEX objectives_title_trgm_idx ON objectives USING gin (lower(title) gin_trgm_ops)';
    EXECUTE 'CREATE INDEX key_results_title_trgm_idx ON key_results USING gin (lower(title) gin_trgm_ops)';
    EXECUTE 'CREATE INDEX people_search_key_trgm_idx ON people USING gin (search_key gin_trgm_ops)';
    EXECUTE 'CREATE INDEX teams_name_trgm_idx ON teams USING gin (lower(name) gin_trgm_ops)';
EXCEPTION WHEN OTHERS THEN
    -- Everything in this block is undone together: no extension, no index, search by scan.
    RAISE NOTICE 'pg_trgm is not available (%): search stays a scan', SQLERRM;
END
$$;
