-- Progress roll-up of aligned children (docs/method.md, "Progress"): an objective's own choice,
-- `inherit` (follow the organisation's setting, `progress_rollup` in the settings body), `on` or
-- `off`.
ALTER TABLE objectives ADD COLUMN progress_rollup TEXT NOT NULL DEFAULT 'inherit'
    CONSTRAINT objectives_progress_rollup CHECK (progress_rollup IN ('inherit', 'on', 'off'));

-- The search index ("find anything" at 100,000 people): an FTS5 trigram index over objective and
-- key result titles, people's search keys (name and email) and team names, so a search of three
-- or more characters reads the index instead of scanning four tables. It is derived data, kept in
-- the same transaction as every write by the triggers below, never written by the store and never
-- copied by backups or transfers (the `search_index` tables are rebuilt by these triggers when
-- the rows are loaded). Searches still re-check `lower(title) LIKE` on what the index finds, so
-- the semantics (a case-insensitive substring) are exactly those of the scan.
-- `search_index_keys` maps each indexed row (kind, id) to the FTS rowid.
CREATE TABLE search_index_keys (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    CONSTRAINT search_index_keys_ref UNIQUE (kind, ref_id)
);
CREATE VIRTUAL TABLE search_index USING fts5(body, tokenize = 'trigram');

INSERT INTO search_index_keys (kind, ref_id) SELECT 'objective', id FROM objectives;
INSERT INTO search_index_keys (kind, ref_id) SELECT 'key_result', id FROM key_results;
INSERT INTO search_index_keys (kind, ref_id) SELECT 'person', id FROM people;
INSERT INTO search_index_keys (kind, ref_id) SELECT 'team', id FROM teams;
INSERT INTO search_index (rowid, body)
    SELECT k.id, o.title FROM search_index_keys k JOIN objectives o ON o.id = k.ref_id WHERE k.kind = 'objective';
INSERT INTO search_index (rowid, body)
    SELECT k.id, r.title FROM search_index_keys k JOIN key_results r ON r.id = k.ref_id WHERE k.kind = 'key_result';
INSERT INTO search_index (rowid, body)
    SELECT k.id, p.search_key FROM search_index_keys k JOIN people p ON p.id = k.ref_id WHERE k.kind = 'person';
INSERT INTO search_index (rowid, body)
    SELECT k.id, t.name FROM search_index_keys k JOIN teams t ON t.id = k.ref_id WHERE k.kind = 'team';

CREATE TRIGGER search_index_objective_insert AFTER INSERT ON objectives BEGIN
    INSERT INTO search_index_keys (kind, ref_id) VALUES ('objective', new.id);
    INSERT INTO search_index (rowid, body) VALUES (last_insert_rowid(), new.title);
END;
CREATE TRIGGER search_index_objective_update AFTER UPDATE OF title ON objectives WHEN old.title <> new.title BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'objective' AND ref_id = old.id);
    INSERT INTO search_index (rowid, body) SELECT id, new.title FROM search_index_keys WHERE kind = 'objective' AND ref_id = new.id;
END;
CREATE TRIGGER search_index_objective_delete AFTER DELETE ON objectives BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'objective' AND ref_id = old.id);
    DELETE FROM search_index_keys WHERE kind = 'objective' AND ref_id = old.id;
END;

CREATE TRIGGER search_index_key_result_insert AFTER INSERT ON key_results BEGIN
    INSERT INTO search_index_keys (kind, ref_id) VALUES ('key_result', new.id);
    INSERT INTO search_index (rowid, body) VALUES (last_insert_rowid(), new.title);
END;
CREATE TRIGGER search_index_key_result_update AFTER UPDATE OF title ON key_results WHEN old.title <> new.title BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'key_result' AND ref_id = old.id);
    INSERT INTO search_index (rowid, body) SELECT id, new.title FROM search_index_keys WHERE kind = 'key_result' AND ref_id = new.id;
END;
CREATE TRIGGER search_index_key_result_delete AFTER DELETE ON key_results BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'key_result' AND ref_id = old.id);
    DELETE FROM search_index_keys WHERE kind = 'key_result' AND ref_id = old.id;
END;

CREATE TRIGGER search_index_person_insert AFTER INSERT ON people BEGIN
    INSERT INTO search_index_keys (kind, ref_id) VALUES ('person', new.id);
    INSERT INTO search_index (rowid, body) VALUES (last_insert_rowid(), new.search_key);
END;
CREATE TRIGGER search_index_person_update AFTER UPDATE OF search_key ON people WHEN old.search_key <> new.search_key BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'person' AND ref_id = old.id);
    INSERT INTO search_index (rowid, body) SELECT id, new.search_key FROM search_index_keys WHERE kind = 'person' AND ref_id = new.id;
END;
CREATE TRIGGER search_index_person_delete AFTER DELETE ON people BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'person' AND ref_id = old.id);
    DELETE FROM search_index_keys WHERE kind = 'person' AND ref_id = old.id;
END;

CREATE TRIGGER search_index_team_insert AFTER INSERT ON teams BEGIN
    INSERT INTO search_index_keys (kind, ref_id) VALUES ('team', new.id);
    INSERT INTO search_index (rowid, body) VALUES (last_insert_rowid(), new.name);
END;
CREATE TRIGGER search_index_team_update AFTER UPDATE OF name ON teams WHEN old.name <> new.name BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'team' AND ref_id = old.id);
    INSERT INTO search_index (rowid, body) SELECT id, new.name FROM search_index_keys WHERE kind = 'team' AND ref_id = new.id;
END;
CREATE TRIGGER search_index_team_delete AFTER DELETE ON teams BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_index_keys WHERE kind = 'team' AND ref_id = old.id);
    DELETE FROM search_index_keys WHERE kind = 'team' AND ref_id = old.id;
END;
