-- Issue 12, changing the confidence scale: each check-in keeps the scale its confidence was given
-- on, so that history stays meaningful after the organisation changes scale (an 8 given on 0–10
-- is never read as "8 of 3"; it reads as 80 % of the way, shown on the scale in use). Rows
-- written before this migration were given on the organisation's scale at the time, the one in
-- its settings now.

ALTER TABLE check_ins ADD COLUMN confidence_scale TEXT NOT NULL DEFAULT 'zero_to_ten';
UPDATE check_ins SET confidence_scale = 'three_level'
    WHERE EXISTS (SELECT 1 FROM settings WHERE (body::jsonb)->>'confidence_scale' = 'three_level');
