-- Issue 3: co-owners (shared ownership policy) and ownership requests (proposal, acceptance,
-- decline, handover history). Identical on SQLite and PostgreSQL (no floating-point columns).

CREATE TABLE objective_co_owners (
    objective_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (objective_id, person_id),
    CONSTRAINT objective_co_owners_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT objective_co_owners_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX objective_co_owners_person_id_idx ON objective_co_owners (person_id);

CREATE TABLE key_result_co_owners (
    key_result_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (key_result_id, person_id),
    CONSTRAINT key_result_co_owners_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_co_owners_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX key_result_co_owners_person_id_idx ON key_result_co_owners (person_id);

-- objective_id is set for key-result requests too (the key result's objective), so that a
-- request can be found from its objective; key_result_id is NULL for objective requests.
CREATE TABLE ownership_requests (
    id TEXT NOT NULL PRIMARY KEY,
    okr_kind TEXT NOT NULL,
    objective_id TEXT NOT NULL,
    key_result_id TEXT,
    previous_owner_id TEXT,
    proposed_owner_id TEXT NOT NULL,
    proposed_by TEXT,
    note TEXT NOT NULL,
    fit TEXT,
    state TEXT NOT NULL,
    decline_reason TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    CONSTRAINT ownership_requests_okr_kind CHECK ((okr_kind = 'objective' AND key_result_id IS NULL) OR (okr_kind = 'key_result' AND key_result_id IS NOT NULL)),
    CONSTRAINT ownership_requests_state CHECK (state IN ('pending', 'accepted', 'declined', 'superseded')),
    CONSTRAINT ownership_requests_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT ownership_requests_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT ownership_requests_previous_owner_id_fkey FOREIGN KEY (previous_owner_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT ownership_requests_proposed_owner_id_fkey FOREIGN KEY (proposed_owner_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT ownership_requests_proposed_by_fkey FOREIGN KEY (proposed_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
-- Newest-first listing, and the pending requests waiting for a person / sent by a person.
CREATE INDEX ownership_requests_created_idx ON ownership_requests (created_at, id);
CREATE INDEX ownership_requests_proposed_owner_idx ON ownership_requests (proposed_owner_id, state, created_at, id);
CREATE INDEX ownership_requests_proposed_by_idx ON ownership_requests (proposed_by, state, created_at, id);
CREATE INDEX ownership_requests_state_idx ON ownership_requests (state, created_at, id);
-- Requests on one OKR (history, superseding the pending one).
CREATE INDEX ownership_requests_objective_idx ON ownership_requests (objective_id, state, created_at, id);
CREATE INDEX ownership_requests_key_result_idx ON ownership_requests (key_result_id, state, created_at, id);
CREATE INDEX ownership_requests_previous_owner_idx ON ownership_requests (previous_owner_id);
