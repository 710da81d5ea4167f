-- The company tree, the dashboards, the health check and the objectives list at 100,000 people
-- (issue 16): each says how fresh its statuses are from when the evaluator's last round
-- finished (`MAX(finished_at)` of the jobs of that kind that are done). The jobs were indexed
-- by state only, so that read walked every finished job (tens of thousands of reminder emails
-- a week: 20-30 ms on SQLite, on every one of those pages); by kind and state, the newest is
-- read from the end of the index.
CREATE INDEX jobs_kind_finished_idx ON jobs (kind, state, finished_at);
