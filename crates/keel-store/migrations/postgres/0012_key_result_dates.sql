-- Issue 12: a key result may have its own start and due day within its cycle; pace, the
-- expected line and the forecast follow them. NULL: it runs with its cycle. Days are
-- `YYYY-MM-DD` text, as the cycles' are.

ALTER TABLE key_results ADD COLUMN starts_on TEXT;
ALTER TABLE key_results ADD COLUMN ends_on TEXT;
