-- Notifications honour people's choices, and are emailed (docs/notifications.md, "Preferences",
-- "Event emails", "Cleanup").
--
-- `notifications.delivery`: how the notification reaches its person, decided when it is written
-- from their choice for its topic: `email` (the bell and an email), `in_app` (the bell) or
-- `digest_only` (neither: the weekly digest lists it). Notifications written before are
-- `in_app`: already on the bell, and not emailed late.
--
-- `notifications.emailed_at`: when the email job handled it (queued its message, or left it out
-- because its reader could no longer see it); null while it waits.

ALTER TABLE notifications ADD COLUMN delivery TEXT NOT NULL DEFAULT 'in_app';
ALTER TABLE notifications ADD COLUMN emailed_at BIGINT;
CREATE INDEX notifications_to_email_idx ON notifications (created_at, id)
    WHERE delivery = 'email' AND emailed_at IS NULL;
CREATE INDEX notifications_read_at_idx ON notifications (read_at);
CREATE INDEX jobs_finished_idx ON jobs (state, finished_at);
