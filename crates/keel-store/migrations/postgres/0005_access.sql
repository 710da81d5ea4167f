-- Issue 4, access: key results tagged as financial (people with the finance role may edit them),
-- and indexes for the visibility filter every OKR read applies. Identical on SQLite and
-- PostgreSQL.

ALTER TABLE key_results ADD COLUMN financial BIGINT NOT NULL DEFAULT 0;

-- Lists filter on visibility before anything else (public objectives need no join).
CREATE INDEX objectives_visibility_idx ON objectives (visibility, id);
-- The circle of a key result grants sight of its objective.
CREATE INDEX key_results_objective_owner_idx ON key_results (owner_id, objective_id);
