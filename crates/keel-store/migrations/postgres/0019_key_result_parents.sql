-- What a key result contributes to: objectives or other key results, several at once (the
-- alignment tree is one graph over both). Same shape as objective_parents.
CREATE TABLE key_result_parents (
    key_result_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    parent_objective_id TEXT,
    parent_key_result_id TEXT,
    PRIMARY KEY (key_result_id, position),
    CONSTRAINT key_result_parents_one_parent CHECK ((parent_objective_id IS NULL) <> (parent_key_result_id IS NULL)),
    CONSTRAINT key_result_parents_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_parents_parent_objective_id_fkey FOREIGN KEY (parent_objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_parents_parent_key_result_id_fkey FOREIGN KEY (parent_key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX key_result_parents_parent_objective_id_idx ON key_result_parents (parent_objective_id);
CREATE INDEX key_result_parents_parent_key_result_id_idx ON key_result_parents (parent_key_result_id);
