-- Check-in compliance as the periodic evaluator last counted it (issue 16, the compliance report
-- and the team dashboard's check-ins at 100,000 people): for each team and check-in week of a
-- cycle, how many key results owed their owner's check-in and how many got it (the rule,
-- `rhythm::week_check_in`, follows each key result's cadence and history, so it is applied by
-- the evaluator, which holds a batch's check-ins anyway), so the report reads one row per team
-- instead of every key result of the cycle with its check-ins on each request; the report says
-- when they were counted.
--
-- `kind`: 'team' counts the key results shared with the team (the report's line: a key result
-- shared with two teams counts in each); 'branch' the team and every team below it, each key
-- result once (the team dashboard). Counted per visibility of the objectives, as the dashboards'
-- figures are: a reader adds the rows of the visibilities they see wholesale and counts the
-- non-public OKRs they are in live. `department_id`: the team at the top of the team's branch
-- when counted. `weeks`: `due:done` for each check-in week from the round's `first_week`,
-- comma-separated (a report always reads a team's weeks together: one row per team, not one per
-- team and week).
CREATE TABLE compliance_counts (
    cycle_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    visibility TEXT NOT NULL,
    team_id TEXT NOT NULL,
    department_id TEXT NOT NULL,
    weeks TEXT NOT NULL,
    PRIMARY KEY (cycle_id, kind, visibility, team_id),
    CONSTRAINT compliance_counts_kind CHECK (kind IN ('team', 'branch')),
    CONSTRAINT compliance_counts_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);

-- When the evaluator last counted each cycle's compliance, and the first day of the first week
-- its rows count (a cycle with nothing to count still has its round; one never counted is
-- counted live).
CREATE TABLE compliance_rounds (
    cycle_id TEXT NOT NULL PRIMARY KEY,
    counted_at BIGINT NOT NULL,
    first_week TEXT NOT NULL,
    CONSTRAINT compliance_rounds_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);

-- The health check's findings counted per cycle, visibility and pitfall as the evaluator last
-- stored them (`health_findings`), so the health page adds a few rows for the visibilities its
-- reader sees wholesale instead of joining every finding of the cycle to its objective on each
-- request (the non-public OKRs the reader is in are counted live; owners' overload is read from
-- the participation counts). `health_count_rounds` says when each cycle was counted.
CREATE TABLE health_finding_counts (
    cycle_id TEXT NOT NULL,
    visibility TEXT NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    n BIGINT NOT NULL,
    evaluated_at BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, visibility, code, severity),
    CONSTRAINT health_finding_counts_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);
CREATE TABLE health_count_rounds (
    cycle_id TEXT NOT NULL PRIMARY KEY,
    counted_at BIGINT NOT NULL,
    CONSTRAINT health_count_rounds_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);
-- The health page's order, so a page of findings is read by walking it, not by sorting every
-- finding of the cycle.
CREATE INDEX health_findings_order_idx ON health_findings (severity_rank, code, okr_title, okr_id);
