-- Issue 6, recognition given: the feedback page lists the recognition a person gave, newest
-- first, by `from_id`; this index serves that list as `recognitions_to_idx` (migration 3) serves
-- recognition received, instead of a scan of every recognition.

CREATE INDEX recognitions_from_idx ON recognitions (from_id, id);
