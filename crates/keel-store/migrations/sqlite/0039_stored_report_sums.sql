-- The calibration report of a closed cycle at 100,000 people (issue 16): tallying every scored
-- key result's last readings on each request took about 0.12 s a statement (two a page), so the
-- evaluator's round stores each closed cycle's sums, per line (`by_kind` 'person': the readings
-- a person gave; 'team': a team's key results' last readings) and reach (as
-- `participation_counts`: 0 the public OKRs, 1 public and team, 2 every OKR), the sums behind
-- the Brier score (`keel_domain::calibration::Tally`). A report adds the lines at the widest
-- reach its reader sees whole to the reader's narrower OKRs tallied live, and says when the
-- sums were counted (`calibration_rounds`); a cycle never counted is tallied live.
CREATE TABLE calibration_sums (
    cycle_id TEXT NOT NULL,
    by_kind TEXT NOT NULL,
    reach BIGINT NOT NULL,
    line_id TEXT NOT NULL,
    key_results BIGINT NOT NULL,
    confidence REAL NOT NULL,
    successes REAL NOT NULL,
    score REAL NOT NULL,
    brier REAL NOT NULL,
    PRIMARY KEY (cycle_id, by_kind, reach, line_id),
    CONSTRAINT calibration_sums_by_kind CHECK (by_kind IN ('person', 'team')),
    CONSTRAINT calibration_sums_reach CHECK (reach IN (0, 1, 2)),
    CONSTRAINT calibration_sums_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);

-- When the evaluator last counted each closed cycle's calibration.
CREATE TABLE calibration_rounds (
    cycle_id TEXT NOT NULL PRIMARY KEY,
    counted_at BIGINT NOT NULL,
    CONSTRAINT calibration_rounds_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);

-- The compliance report's totals at 100,000 people (issue 16): reading and adding every team's
-- stored line on each request took about 0.3 s, so the evaluator also stores, per team and
-- visibility, the sum of the lines of the team and every team below it (`kind` 'subtree': a key
-- result shared with two teams counts in each, as in the lines), and the report pages its lines
-- in SQL. The counts stored before are forgotten (the table is made again for the new kind), so
-- the report counts live until the evaluator's next round.
DROP TABLE compliance_counts;
CREATE TABLE compliance_counts (
    cycle_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    visibility TEXT NOT NULL,
    team_id TEXT NOT NULL,
    department_id TEXT NOT NULL,
    weeks TEXT NOT NULL,
    PRIMARY KEY (cycle_id, kind, visibility, team_id),
    CONSTRAINT compliance_counts_kind CHECK (kind IN ('team', 'branch', 'subtree')),
    CONSTRAINT compliance_counts_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);
DELETE FROM compliance_rounds;
-- The report's teams for a reader, read from the index alone (which teams have a line, in
-- which department) to order a page of them: not the rows with their weeks.
CREATE INDEX compliance_counts_teams_idx ON compliance_counts (cycle_id, kind, visibility, team_id, department_id);
