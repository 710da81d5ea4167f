-- The dashboards' figures as the periodic evaluator last counted them (issue 16, the company and
-- team dashboards at 100,000 people), per cycle, so a dashboard reads a few stored rows instead
-- of counting every key result and owner check-in of the cycle on each request; the dashboard
-- says when they were counted. Counted per visibility of the objectives they cover: a reader
-- gets the rows of the visibilities they may see wholesale (public for everyone; team for
-- those who see every team's OKRs; private only for those who see everything) and the rest
-- (the non-public OKRs they are in) is counted live. Written only by the evaluator, a cycle at
-- a time (`dashboard_rounds` says when).
--
-- `team_id`: '' for the whole cycle, else a team and every team below it.
-- `figure`, `bucket`, `sub_bucket`:
--   status      key results by status: the stored status ('' not assessed yet), ''
--   move        key results whose status moved since `movers_since`: the status then, the status now
--   confidence  owner check-ins: the week from the cycle's first day (0, 1, …), the confidence
--   top         objectives aligned to nothing: '', ''
CREATE TABLE dashboard_figures (
    cycle_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    figure TEXT NOT NULL,
    visibility TEXT NOT NULL,
    bucket TEXT NOT NULL,
    sub_bucket TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, team_id, figure, visibility, bucket, sub_bucket)
);
CREATE TABLE dashboard_rounds (
    cycle_id TEXT NOT NULL PRIMARY KEY,
    evaluated_at BIGINT NOT NULL,
    movers_since BIGINT NOT NULL
);
