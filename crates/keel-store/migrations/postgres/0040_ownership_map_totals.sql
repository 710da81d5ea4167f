-- The ownership map's totals at 100,000 people (issue 16): counting every stored row of the
-- cycle's people on each request took 0.11 s on PostgreSQL (which cannot count the expression
-- index `participation_counts_owned_idx` alone), so the evaluator's round also stores, beside
-- the participation totals, how many people (active or not) take a part in the cycle at each
-- reach by how many objectives and key results they own; the map's totals are a sum of those
-- few rows, corrected live for the reader's narrower OKRs.
--
-- The totals stored before this migration have no such count: they and their rounds are
-- forgotten, so the reports and the map count live until the evaluator's next round.
ALTER TABLE participation_totals ADD COLUMN involved BIGINT NOT NULL DEFAULT 0;
DELETE FROM participation_totals;
DELETE FROM figure_rounds WHERE kind = 'participation';
