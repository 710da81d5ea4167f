-- Pulled sources (issue 17, "pull"): a key result or KPI fed on a schedule by an HTTP(S) URL
-- answering JSON (a JSON Pointer finds the number; header values sealed with the server key) or by
-- a read-only query against a database an administrator registered (its connection URL sealed).
-- `pull_sources` keeps what the owner sees (last run, last value, failing since, last error in
-- words) and when it is due (`next_run_at`, `claimed_until`: a server claims a due source for a
-- lease, so several servers never run it twice); `pull_runs` is each run's value or error. A
-- value pulled is a check-in (or KPI reading) whose source is the new kind 'pull'.
CREATE TABLE source_databases (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    url_sealed TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    CONSTRAINT source_databases_created_by_fkey FOREIGN KEY (created_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE UNIQUE INDEX source_databases_name_idx ON source_databases (name);

CREATE TABLE pull_sources (
    id TEXT NOT NULL PRIMARY KEY,
    key_result_id TEXT,
    kpi_id TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT,
    json_pointer TEXT,
    header_names TEXT NOT NULL,
    headers_sealed TEXT,
    database_id TEXT,
    query TEXT,
    schedule TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    last_run_at BIGINT,
    last_value DOUBLE PRECISION,
    last_success_at BIGINT,
    failing_since BIGINT,
    last_error TEXT,
    next_run_at BIGINT NOT NULL,
    claimed_until BIGINT,
    CONSTRAINT pull_sources_one_target CHECK ((key_result_id IS NULL) <> (kpi_id IS NULL)),
    CONSTRAINT pull_sources_kind CHECK (kind IN ('http', 'sql')),
    CONSTRAINT pull_sources_schedule CHECK (schedule IN ('hourly', 'daily', 'weekly')),
    CONSTRAINT pull_sources_fetch CHECK ((kind = 'http' AND url IS NOT NULL AND json_pointer IS NOT NULL) OR (kind = 'sql' AND database_id IS NOT NULL AND query IS NOT NULL)),
    CONSTRAINT pull_sources_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT pull_sources_kpi_id_fkey FOREIGN KEY (kpi_id) REFERENCES kpis (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT pull_sources_database_id_fkey FOREIGN KEY (database_id) REFERENCES source_databases (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT pull_sources_created_by_fkey FOREIGN KEY (created_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE UNIQUE INDEX pull_sources_key_result_id_idx ON pull_sources (key_result_id);
CREATE UNIQUE INDEX pull_sources_kpi_id_idx ON pull_sources (kpi_id);
CREATE INDEX pull_sources_database_id_idx ON pull_sources (database_id);
CREATE INDEX pull_sources_next_run_at_idx ON pull_sources (next_run_at);

CREATE TABLE pull_runs (
    id TEXT NOT NULL PRIMARY KEY,
    source_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    value DOUBLE PRECISION,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    CONSTRAINT pull_runs_outcome CHECK ((value IS NULL) <> (error IS NULL)),
    CONSTRAINT pull_runs_source_id_fkey FOREIGN KEY (source_id) REFERENCES pull_sources (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX pull_runs_source_at_idx ON pull_runs (source_id, at, id);

-- The source kinds of check-ins and readings gain 'pull'.
ALTER TABLE check_ins DROP CONSTRAINT check_ins_source;
ALTER TABLE check_ins ADD CONSTRAINT check_ins_source CHECK (source IS NULL OR source IN ('ingest_token', 'kpi', 'pull'));
ALTER TABLE kpi_values DROP CONSTRAINT kpi_values_source;
ALTER TABLE kpi_values ADD CONSTRAINT kpi_values_source CHECK (source IS NULL OR source IN ('ingest_token', 'kpi', 'pull'));
