-- People in control of what reaches them (docs/notifications.md, "Preferences").
--
-- `notification_preferences`: how messages of one topic (`digest`, `check_in_reminders` …)
-- reach one person (`email`, `in_app`, `digest_only`, `off`). A row with no person is the
-- organisation's default, set by administrators; a person's own row wins. A one-click
-- unsubscribe writes the person's row.
--
-- `signing_keys`: server keys made on first use (random, kept in the database so every Keel
-- server signs and checks alike), e.g. the key of unsubscribe links.

CREATE TABLE notification_preferences (
    person_id TEXT REFERENCES people(id),
    topic TEXT NOT NULL,
    delivery TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX notification_preferences_person_topic
    ON notification_preferences (COALESCE(person_id, ''), topic);

CREATE TABLE signing_keys (
    purpose TEXT NOT NULL PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
