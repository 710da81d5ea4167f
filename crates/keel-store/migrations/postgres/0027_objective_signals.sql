-- The periodic evaluator's last word on each objective (issue 16, the objectives list at
-- 100,000 people): its status (and where that status sorts, the worst first) and its progress
-- in thousandths, as the evaluator computed them with the rule every page uses. Sorting the
-- objectives list by status or progress reads these instead of computing every objective's
-- status from its check-ins on each request; the list says when they were computed. Written
-- only by the evaluator (never on the check-in path); an objective it has not seen yet has no
-- row and sorts last.
CREATE TABLE objective_signals (
    objective_id TEXT NOT NULL PRIMARY KEY,
    status TEXT NOT NULL,
    status_rank BIGINT NOT NULL,
    progress_milli BIGINT NOT NULL,
    evaluated_at BIGINT NOT NULL,
    CONSTRAINT objective_signals_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX objective_signals_status_idx ON objective_signals (status_rank, objective_id);
CREATE INDEX objective_signals_progress_idx ON objective_signals (progress_milli, objective_id);
