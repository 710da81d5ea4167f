-- Issue 12: a person may read times in their own time zone (an IANA name); NULL follows the
-- organisation's.

ALTER TABLE people ADD COLUMN time_zone TEXT;
