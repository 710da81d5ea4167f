-- Claiming jobs from a backlog (issue 16: PostgreSQL at 100,000 people): the claim takes the due jobs in
-- (run_at, id) order, a few at a time. With an index on (state, run_at) only, every claim read
-- and sorted the whole backlog (59,000 ownership reminders queued at once share one run_at):
-- 120 ms a claim on PostgreSQL, so the runner spent more time choosing jobs than running them.
-- With the id in the index the claim reads the first rows of the backlog in order and stops.
DROP INDEX jobs_due_idx;
CREATE INDEX jobs_due_idx ON jobs (state, run_at, id);
