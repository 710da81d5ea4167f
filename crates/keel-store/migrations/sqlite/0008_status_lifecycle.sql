-- Issue 12, the status lifecycle: a key result becomes active at the later of its objective's
-- activation (when it left draft) and its owner's acceptance; pace and silence count from then.
-- Both are stamped by the store when they happen; NULL on rows written before this migration,
-- which read as their creation (see `Rhythm::active_since`). An owner's status override may
-- stand until a day they pick.

ALTER TABLE objectives ADD COLUMN activated_at BIGINT;
ALTER TABLE key_results ADD COLUMN owner_accepted_at BIGINT;
ALTER TABLE status_overrides ADD COLUMN until_on TEXT;
