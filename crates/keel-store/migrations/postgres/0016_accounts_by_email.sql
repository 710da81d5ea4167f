-- Accounts by email (README "Accounts by email"; docs/notifications.md).
--
-- `account_tokens`: the links of invitations (`invite`, a week) and password resets (`reset`,
-- an hour). Only the SHA-256 of a link's secret is kept, as for API tokens and sessions; a link
-- is spent once (`used_at`), and a new one for the same person and purpose replaces the unused
-- ones. Expired rows are removed whenever a link is issued.
--
-- `mail_settings`: the mail server set on the administrators' email page (one row, `id` 1).
-- The password is kept sealed with the server's secret key (`secrets.rs`), never in clear.

CREATE TABLE account_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id),
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_by TEXT
);
CREATE INDEX account_tokens_person ON account_tokens (person_id, purpose);

CREATE TABLE mail_settings (
    id BIGINT NOT NULL PRIMARY KEY,
    host TEXT NOT NULL,
    port BIGINT NOT NULL,
    security TEXT NOT NULL,
    username TEXT,
    password_sealed TEXT,
    sender TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
