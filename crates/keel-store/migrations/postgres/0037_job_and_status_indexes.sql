-- Two reads at 100,000 people (issue 16).
--
-- The company tree, the dashboards, the health check and the objectives list say how fresh
-- their statuses are from when the evaluator's last round finished (`MAX(finished_at)` of the
-- done jobs of its kind). The jobs were indexed by state only, so that read walked every
-- finished job (tens of thousands of reminder emails a week: 20-50 ms on SQLite, on every one
-- of those pages); by kind and state, the newest is read from the end of the index.
CREATE INDEX jobs_kind_finished_idx ON jobs (kind, state, finished_at);

-- The company tree filtered by a judged status (`/company?status=off_track`) reads the
-- objectives the evaluator last judged so (a quarter of the cycle) instead of every objective
-- of the cycle (0.15 s). `status_rank` is indexed already, for the objectives list's order;
-- this is the status the filter names.
CREATE INDEX objective_signals_status_name_idx ON objective_signals (status, objective_id);
