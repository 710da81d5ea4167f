-- Keel schema, version 1. Conventions (identical on SQLite and PostgreSQL): ids TEXT; timestamps
-- BIGINT microseconds since the Unix epoch (UTC); dates TEXT YYYY-MM-DD; booleans BIGINT 0/1;
-- numbers DOUBLE PRECISION; JSON as TEXT. Every mutable record carries version, created_at, updated_at.

CREATE TABLE settings (
    id BIGINT NOT NULL PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE people (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    search_key TEXT NOT NULL,
    title TEXT NOT NULL,
    manager_id TEXT,
    active BIGINT NOT NULL,
    roles TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT people_email_key UNIQUE (email_key),
    CONSTRAINT people_manager_id_fkey FOREIGN KEY (manager_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX people_manager_id_idx ON people (manager_id);

CREATE TABLE teams (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id TEXT,
    lead_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT teams_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES teams (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT teams_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX teams_parent_id_idx ON teams (parent_id);
CREATE INDEX teams_lead_id_idx ON teams (lead_id);

CREATE TABLE team_members (
    team_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (team_id, person_id),
    CONSTRAINT team_members_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT team_members_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX team_members_person_id_idx ON team_members (person_id);

CREATE TABLE cycles (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    parent_id TEXT,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT cycles_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES cycles (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX cycles_name_idx ON cycles (name);
CREATE INDEX cycles_parent_id_idx ON cycles (parent_id);
CREATE INDEX cycles_state_idx ON cycles (state);

CREATE TABLE objectives (
    id TEXT NOT NULL PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    cycle_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    ownership_state TEXT NOT NULL,
    sponsor_id TEXT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    visibility TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    CONSTRAINT objectives_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT objectives_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT objectives_sponsor_id_fkey FOREIGN KEY (sponsor_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX objectives_cycle_id_idx ON objectives (cycle_id, id);
CREATE INDEX objectives_owner_id_idx ON objectives (owner_id, id);
CREATE INDEX objectives_sponsor_id_idx ON objectives (sponsor_id);

CREATE TABLE objective_teams (
    objective_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (objective_id, team_id),
    CONSTRAINT objective_teams_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT objective_teams_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX objective_teams_team_id_idx ON objective_teams (team_id, objective_id);

CREATE TABLE objective_contributors (
    objective_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (objective_id, person_id),
    CONSTRAINT objective_contributors_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT objective_contributors_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX objective_contributors_person_id_idx ON objective_contributors (person_id);

CREATE TABLE key_results (
    id TEXT NOT NULL PRIMARY KEY,
    objective_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    ownership_state TEXT NOT NULL,
    sponsor_id TEXT,
    metric_kind TEXT NOT NULL,
    start_value DOUBLE PRECISION NOT NULL,
    target_value DOUBLE PRECISION NOT NULL,
    current_value DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    milestones TEXT NOT NULL,
    confidence BIGINT,
    last_check_in_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    CONSTRAINT key_results_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_results_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_results_sponsor_id_fkey FOREIGN KEY (sponsor_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX key_results_objective_id_idx ON key_results (objective_id, created_at, id);
CREATE INDEX key_results_owner_id_idx ON key_results (owner_id);
CREATE INDEX key_results_sponsor_id_idx ON key_results (sponsor_id);

CREATE TABLE key_result_teams (
    key_result_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (key_result_id, team_id),
    CONSTRAINT key_result_teams_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_teams_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX key_result_teams_team_id_idx ON key_result_teams (team_id);

CREATE TABLE key_result_contributors (
    key_result_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (key_result_id, person_id),
    CONSTRAINT key_result_contributors_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT key_result_contributors_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX key_result_contributors_person_id_idx ON key_result_contributors (person_id);

CREATE TABLE objective_parents (
    objective_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    parent_objective_id TEXT,
    parent_key_result_id TEXT,
    PRIMARY KEY (objective_id, position),
    CONSTRAINT objective_parents_one_parent CHECK ((parent_objective_id IS NULL) <> (parent_key_result_id IS NULL)),
    CONSTRAINT objective_parents_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT objective_parents_parent_objective_id_fkey FOREIGN KEY (parent_objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT objective_parents_parent_key_result_id_fkey FOREIGN KEY (parent_key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX objective_parents_parent_objective_id_idx ON objective_parents (parent_objective_id);
CREATE INDEX objective_parents_parent_key_result_id_idx ON objective_parents (parent_key_result_id);

CREATE TABLE check_ins (
    id TEXT NOT NULL PRIMARY KEY,
    key_result_id TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    confidence BIGINT NOT NULL,
    note TEXT NOT NULL,
    author_id TEXT,
    at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT check_ins_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT check_ins_author_id_fkey FOREIGN KEY (author_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX check_ins_key_result_at_idx ON check_ins (key_result_id, at, id);
CREATE INDEX check_ins_author_id_idx ON check_ins (author_id);

CREATE TABLE initiatives (
    id TEXT NOT NULL PRIMARY KEY,
    key_result_id TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    state TEXT NOT NULL,
    link TEXT,
    reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT initiatives_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT initiatives_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX initiatives_key_result_id_idx ON initiatives (key_result_id, id);
CREATE INDEX initiatives_owner_id_idx ON initiatives (owner_id);

CREATE TABLE api_tokens (
    id TEXT NOT NULL PRIMARY KEY,
    person_id TEXT NOT NULL,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_on TEXT,
    last_used_at BIGINT,
    revoked_at BIGINT,
    CONSTRAINT api_tokens_secret_hash_key UNIQUE (secret_hash),
    CONSTRAINT api_tokens_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX api_tokens_person_id_idx ON api_tokens (person_id, id);

CREATE TABLE audit_events (
    id TEXT NOT NULL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    objective_id TEXT,
    key_result_id TEXT,
    before TEXT,
    after TEXT,
    source TEXT NOT NULL,
    request_id TEXT
);
CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_object_id_idx ON audit_events (object_id, at, id);
CREATE INDEX audit_events_objective_id_idx ON audit_events (objective_id, at, id);
CREATE INDEX audit_events_key_result_id_idx ON audit_events (key_result_id, at, id);
CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id, at, id);
