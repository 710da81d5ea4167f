-- Migration 0018: a person's own day for the weekly digest (issue 15, item 4: "a person may
-- choose their own zone and day"). A person without a row gets it on the organisation's
-- check-in day. `weekday` is spelled as the API spells it: `monday` … `sunday`.

CREATE TABLE digest_days (
    person_id TEXT NOT NULL PRIMARY KEY REFERENCES people(id),
    weekday TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
