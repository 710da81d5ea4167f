-- Issue 12, correcting a check-in: its author may correct or withdraw it. The original stays,
-- marked retracted (how: 'corrected' or 'withdrawn', by whom, when); a correction is a new row
-- naming the check-in it corrects. Only standing rows (retracted IS NULL) count.

ALTER TABLE check_ins ADD COLUMN corrects_id TEXT;
ALTER TABLE check_ins ADD COLUMN retracted TEXT;
ALTER TABLE check_ins ADD COLUMN retracted_by TEXT;
ALTER TABLE check_ins ADD COLUMN retracted_at BIGINT;
