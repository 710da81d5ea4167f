-- Issue 5: the owner's rhythm. Team check-in cadences, objective status overrides, end-of-cycle
-- scores and retrospectives (with the carried-over draft), team reviews, and CFRs
-- (conversations, feedback requests and answers, recognition). Initiatives remember when they
-- became active. Same as the PostgreSQL script but for REAL (DOUBLE PRECISION there).

CREATE TABLE team_cadences (
    team_id TEXT NOT NULL PRIMARY KEY,
    cadence_days BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT team_cadences_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE status_overrides (
    objective_id TEXT NOT NULL PRIMARY KEY,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    set_by TEXT,
    set_at BIGINT NOT NULL,
    CONSTRAINT status_overrides_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT status_overrides_set_by_fkey FOREIGN KEY (set_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE key_result_scores (
    key_result_id TEXT NOT NULL PRIMARY KEY,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    suggested_score REAL NOT NULL,
    scored_by TEXT,
    scored_at BIGINT NOT NULL,
    CONSTRAINT key_result_scores_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_scores_scored_by_fkey FOREIGN KEY (scored_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE retrospectives (
    objective_id TEXT NOT NULL PRIMARY KEY,
    worked TEXT NOT NULL,
    did_not TEXT NOT NULL,
    carry_over BIGINT NOT NULL,
    carried_over_to TEXT,
    updated_by TEXT,
    updated_at BIGINT NOT NULL,
    CONSTRAINT retrospectives_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT retrospectives_carried_over_to_fkey FOREIGN KEY (carried_over_to) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT retrospectives_updated_by_fkey FOREIGN KEY (updated_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX retrospectives_carried_over_to_idx ON retrospectives (carried_over_to);

CREATE TABLE reviews (
    id TEXT NOT NULL PRIMARY KEY,
    team_id TEXT NOT NULL,
    held_on TEXT NOT NULL,
    run_by TEXT,
    items TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT reviews_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT reviews_run_by_fkey FOREIGN KEY (run_by) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX reviews_team_idx ON reviews (team_id, held_on, id);

CREATE TABLE conversations (
    id TEXT NOT NULL PRIMARY KEY,
    author_id TEXT NOT NULL,
    with_id TEXT NOT NULL,
    okr_ids TEXT NOT NULL,
    held_on TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT conversations_author_id_fkey FOREIGN KEY (author_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT conversations_with_id_fkey FOREIGN KEY (with_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX conversations_author_idx ON conversations (author_id, id);
CREATE INDEX conversations_with_idx ON conversations (with_id, id);

CREATE TABLE feedback_requests (
    id TEXT NOT NULL PRIMARY KEY,
    okr_id TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    question TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT feedback_requests_requester_id_fkey FOREIGN KEY (requester_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX feedback_requests_okr_idx ON feedback_requests (okr_id, id);
CREATE INDEX feedback_requests_requester_idx ON feedback_requests (requester_id, id);

CREATE TABLE feedback_answers (
    request_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    answer TEXT,
    answered_at BIGINT,
    PRIMARY KEY (request_id, person_id),
    CONSTRAINT feedback_answers_request_id_fkey FOREIGN KEY (request_id) REFERENCES feedback_requests (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT feedback_answers_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX feedback_answers_person_idx ON feedback_answers (person_id, request_id);

CREATE TABLE recognitions (
    id TEXT NOT NULL PRIMARY KEY,
    from_id TEXT NOT NULL,
    to_id TEXT NOT NULL,
    okr_id TEXT NOT NULL,
    check_in_id TEXT,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT recognitions_from_id_fkey FOREIGN KEY (from_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT recognitions_to_id_fkey FOREIGN KEY (to_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT recognitions_check_in_id_fkey FOREIGN KEY (check_in_id) REFERENCES check_ins (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX recognitions_okr_idx ON recognitions (okr_id, id);
CREATE INDEX recognitions_to_idx ON recognitions (to_id, id);

ALTER TABLE initiatives ADD COLUMN active_since BIGINT;
