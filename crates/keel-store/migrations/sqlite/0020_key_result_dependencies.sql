-- Dependencies between key results (issue 16): this key result depends on that one, negotiated
-- with the other key result's owner (proposed, then accepted or declined with a reason). One
-- dependency per pair; a declined one is removed before asking again.
CREATE TABLE key_result_dependencies (
    id TEXT NOT NULL PRIMARY KEY,
    key_result_id TEXT NOT NULL,
    depends_on_id TEXT NOT NULL,
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    asked_by TEXT,
    answered_by TEXT,
    created_at BIGINT NOT NULL,
    answered_at BIGINT,
    decline_reason TEXT,
    CONSTRAINT key_result_dependencies_state CHECK (state IN ('proposed', 'accepted', 'declined')),
    CONSTRAINT key_result_dependencies_not_self CHECK (key_result_id <> depends_on_id),
    CONSTRAINT key_result_dependencies_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_dependencies_depends_on_id_fkey FOREIGN KEY (depends_on_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_dependencies_asked_by_fkey FOREIGN KEY (asked_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_dependencies_answered_by_fkey FOREIGN KEY (answered_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE UNIQUE INDEX key_result_dependencies_pair_idx ON key_result_dependencies (key_result_id, depends_on_id);
CREATE INDEX key_result_dependencies_depends_on_id_idx ON key_result_dependencies (depends_on_id);
