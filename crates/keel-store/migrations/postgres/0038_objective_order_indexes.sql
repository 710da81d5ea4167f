-- The objectives list by status, progress and title at 100,000 people (issue 16): each order
-- walked from an index of the cycle, stopped at the page's end, instead of every objective of
-- the cycle looked up and sorted on each request (0.15-0.2 s).
--
-- Status and progress: the evaluator's stored signal now names the cycle the objective was in
-- when it was evaluated, so the signals of one cycle can be read in order. A signal counts
-- only while its objective is still in that cycle: one moved since is not evaluated for its new
-- cycle yet and sorts last, as a new one does, until the next round. The signals stored before
-- this migration were computed for the cycle their objective is in now.
ALTER TABLE objective_signals ADD COLUMN cycle_id TEXT NOT NULL DEFAULT '';
UPDATE objective_signals SET cycle_id = (
    SELECT o.cycle_id FROM objectives o WHERE o.id = objective_signals.objective_id);
CREATE INDEX objective_signals_cycle_status_idx
    ON objective_signals (cycle_id, status_rank, objective_id);
CREATE INDEX objective_signals_cycle_progress_idx
    ON objective_signals (cycle_id, progress_milli, objective_id);
-- Title: a cycle's objectives by title, then id; and every cycle's (the API without a cycle).
CREATE INDEX objectives_cycle_title_idx ON objectives (cycle_id, title, id);
CREATE INDEX objectives_title_idx ON objectives (title, id);
