-- Data in (issue 17): key results and KPIs fed by data. Ingest tokens push values to one key
-- result or one KPI (stored hashed, revocable); KPIs are named metrics with a healthy corridor
-- and a history of readings; a key result may take a KPI's readings as its data source; a
-- check-in or reading recorded by a source names it (`source` is the kind: 'ingest_token' or
-- 'kpi' now, pulled sources later).
CREATE TABLE kpis (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    corridor_min DOUBLE PRECISION,
    corridor_max DOUBLE PRECISION,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    CONSTRAINT kpis_corridor CHECK (corridor_min IS NULL OR corridor_max IS NULL OR corridor_min <= corridor_max),
    CONSTRAINT kpis_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX kpis_owner_id_idx ON kpis (owner_id);

CREATE TABLE kpi_values (
    id TEXT NOT NULL PRIMARY KEY,
    kpi_id TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL,
    author_id TEXT,
    source TEXT,
    source_id TEXT,
    source_name TEXT,
    at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT kpi_values_source CHECK (source IS NULL OR source IN ('ingest_token', 'kpi')),
    CONSTRAINT kpi_values_kpi_id_fkey FOREIGN KEY (kpi_id) REFERENCES kpis (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT kpi_values_author_id_fkey FOREIGN KEY (author_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX kpi_values_kpi_at_idx ON kpi_values (kpi_id, at, id);

CREATE TABLE ingest_tokens (
    id TEXT NOT NULL PRIMARY KEY,
    key_result_id TEXT,
    kpi_id TEXT,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT,
    CONSTRAINT ingest_tokens_one_target CHECK ((key_result_id IS NULL) <> (kpi_id IS NULL)),
    CONSTRAINT ingest_tokens_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT ingest_tokens_kpi_id_fkey FOREIGN KEY (kpi_id) REFERENCES kpis (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT ingest_tokens_created_by_fkey FOREIGN KEY (created_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE UNIQUE INDEX ingest_tokens_token_hash_idx ON ingest_tokens (token_hash);
CREATE INDEX ingest_tokens_key_result_id_idx ON ingest_tokens (key_result_id);
CREATE INDEX ingest_tokens_kpi_id_idx ON ingest_tokens (kpi_id);

ALTER TABLE key_results ADD COLUMN kpi_id TEXT;
ALTER TABLE key_results ADD CONSTRAINT key_results_kpi_id_fkey FOREIGN KEY (kpi_id) REFERENCES kpis (id) DEFERRABLE INITIALLY IMMEDIATE;
CREATE INDEX key_results_kpi_id_idx ON key_results (kpi_id);

ALTER TABLE check_ins ADD COLUMN source TEXT;
ALTER TABLE check_ins ADD CONSTRAINT check_ins_source CHECK (source IS NULL OR source IN ('ingest_token', 'kpi'));
ALTER TABLE check_ins ADD COLUMN source_id TEXT;
ALTER TABLE check_ins ADD COLUMN source_name TEXT;
