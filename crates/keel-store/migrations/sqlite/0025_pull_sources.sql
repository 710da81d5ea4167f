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
    last_value REAL,
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
    value REAL,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    CONSTRAINT pull_runs_outcome CHECK ((value IS NULL) <> (error IS NULL)),
    CONSTRAINT pull_runs_source_id_fkey FOREIGN KEY (source_id) REFERENCES pull_sources (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX pull_runs_source_at_idx ON pull_runs (source_id, at, id);

-- The source kinds of check-ins and readings gain 'pull'. SQLite cannot change a CHECK in
-- place: the tables are rebuilt with their columns in the same order. A recognition names a
-- check-in, and dropping a table that rows still reference counts as deleting them even when the
-- references are whole again at commit: so `recognitions` is rebuilt too, pointing at the new
-- table, and the old ones are dropped child first (the renames carry the reference along).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE check_ins_new (
    id TEXT NOT NULL PRIMARY KEY,
    key_result_id TEXT NOT NULL,
    value REAL NOT NULL,
    confidence BIGINT NOT NULL,
    note TEXT NOT NULL,
    author_id TEXT,
    at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    corrects_id TEXT,
    retracted TEXT,
    retracted_by TEXT,
    retracted_at BIGINT,
    confidence_scale TEXT NOT NULL DEFAULT 'zero_to_ten',
    source TEXT,
    source_id TEXT,
    source_name TEXT,
    CONSTRAINT check_ins_source CHECK (source IS NULL OR source IN ('ingest_token', 'kpi', 'pull')),
    CONSTRAINT check_ins_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT check_ins_author_id_fkey FOREIGN KEY (author_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
INSERT INTO check_ins_new SELECT id, key_result_id, value, confidence, note, author_id, at, created_at,
    corrects_id, retracted, retracted_by, retracted_at, confidence_scale, source, source_id, source_name
    FROM check_ins;
CREATE TABLE recognitions_new (
    id TEXT NOT NULL PRIMARY KEY,
    from_id TEXT NOT NULL,
    to_id TEXT NOT NULL,
    okr_id TEXT NOT NULL,
    check_in_id TEXT,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT recognitions_from_id_fkey FOREIGN KEY (from_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT recognitions_to_id_fkey FOREIGN KEY (to_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT recognitions_check_in_id_fkey FOREIGN KEY (check_in_id) REFERENCES check_ins_new (id) DEFERRABLE INITIALLY IMMEDIATE
);
INSERT INTO recognitions_new SELECT id, from_id, to_id, okr_id, check_in_id, message, created_at FROM recognitions;
DROP TABLE recognitions;
DROP TABLE check_ins;
ALTER TABLE check_ins_new RENAME TO check_ins;
ALTER TABLE recognitions_new RENAME TO recognitions;
CREATE INDEX check_ins_key_result_at_idx ON check_ins (key_result_id, at, id);
CREATE INDEX check_ins_author_id_idx ON check_ins (author_id);
CREATE INDEX recognitions_okr_idx ON recognitions (okr_id, id);
CREATE INDEX recognitions_to_created_idx ON recognitions (to_id, created_at, id);
CREATE INDEX recognitions_from_created_idx ON recognitions (from_id, created_at, id);

CREATE TABLE kpi_values_new (
    id TEXT NOT NULL PRIMARY KEY,
    kpi_id TEXT NOT NULL,
    value REAL NOT NULL,
    note TEXT NOT NULL,
    author_id TEXT,
    source TEXT,
    source_id TEXT,
    source_name TEXT,
    at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT kpi_values_source CHECK (source IS NULL OR source IN ('ingest_token', 'kpi', 'pull')),
    CONSTRAINT kpi_values_kpi_id_fkey FOREIGN KEY (kpi_id) REFERENCES kpis (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT kpi_values_author_id_fkey FOREIGN KEY (author_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
INSERT INTO kpi_values_new SELECT id, kpi_id, value, note, author_id, source, source_id, source_name, at, created_at
    FROM kpi_values;
DROP TABLE kpi_values;
ALTER TABLE kpi_values_new RENAME TO kpi_values;
CREATE INDEX kpi_values_kpi_at_idx ON kpi_values (kpi_id, at, id);
