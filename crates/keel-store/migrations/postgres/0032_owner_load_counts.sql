-- The ownership map at 100,000 people (issue 16): each person's load is read from the counts the
-- evaluator stores (`participation_counts`) instead of counting the whole cycle on each request,
-- so the counts also keep how many objectives and key results the person sponsors (the map
-- lists sponsors beside owners and contributors).
--
-- The counts stored before this migration have no sponsorships: they are removed with their
-- rounds, so every report counts live until the evaluator's next round counts them again.
ALTER TABLE participation_counts ADD COLUMN sponsored BIGINT NOT NULL DEFAULT 0;
DELETE FROM participation_counts;
DELETE FROM figure_rounds WHERE kind = 'participation';
