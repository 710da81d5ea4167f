-- Status as of a day: when an objective and a cycle closed, so that reading a day
-- before the close shows the status they had then (see `Rhythm::closed_since`). Stamped by the
-- store when the state becomes closed, cleared when re-opened. For rows already closed, their
-- last change is the best record of the close there is.

ALTER TABLE objectives ADD COLUMN closed_at BIGINT;
ALTER TABLE cycles ADD COLUMN closed_at BIGINT;
UPDATE objectives SET closed_at = updated_at WHERE state = 'closed';
UPDATE cycles SET closed_at = updated_at WHERE state = 'closed';
