-- Accounts: browser sessions, sign-in throttling and pending single sign-on logins. All three live
-- in the database (not in a server's memory) so that several stateless Keel servers share them.

-- A browser session. Only the SHA-256 of the cookie's secret is stored. `csrf_token` is the
-- per-session token every form and UI write must carry.
CREATE TABLE sessions (
    id_hash TEXT NOT NULL PRIMARY KEY,
    person_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    method TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT sessions_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX sessions_person_id_idx ON sessions (person_id);

-- Failed sign-ins per key (an email address, whether or not anyone has it), for rate limiting
-- and temporary lockout.
CREATE TABLE sign_in_throttles (
    throttle_key TEXT NOT NULL PRIMARY KEY,
    failures BIGINT NOT NULL,
    first_failure_at BIGINT NOT NULL,
    locked_until BIGINT
);

-- An OpenID Connect sign-in between the redirect to the provider and its callback.
CREATE TABLE oidc_logins (
    state_hash TEXT NOT NULL PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
