-- Issue 5, initiatives: the value a key result had when an initiative became active (migration 3
-- added `active_since`), so that an owner sees, per key result, how long each initiative has
-- been running and whether the key result moved since (seed 001: drop the initiatives that are
-- not moving it).

ALTER TABLE initiatives ADD COLUMN value_at_activation DOUBLE PRECISION;
