-- Issue 6, recognition received and given: the feedback page and `GET /people/{id}/recognitions`
-- list a person's recognition newest first (`created_at DESC, id DESC`). These indexes serve both
-- lists in that order, so they no longer sort; `recognitions_to_idx` (migration 3, on
-- `(to_id, id)`) is replaced by the first.

CREATE INDEX recognitions_to_created_idx ON recognitions (to_id, created_at, id);
CREATE INDEX recognitions_from_created_idx ON recognitions (from_id, created_at, id);
DROP INDEX recognitions_to_idx;
