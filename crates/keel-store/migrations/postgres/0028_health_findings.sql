-- The ownership health check's findings as the periodic evaluator last found them (issue 16,
-- the health page at 100,000 people): one row per OKR and pitfall, written by the evaluator a
-- batch of objectives at a time with the rule every caller uses (`keel_domain::health::check`),
-- so the health page counts and pages them in SQL instead of checking the whole cycle on each
-- request; the page says when they were found. `objective_id` is the OKR's objective (for a key
-- result, its objective): a finding is shown only to readers who may see that objective. The
-- owners' overload (a count across OKRs, some of which a reader may not see) is never stored:
-- the page counts it live with the reader's eyes.
CREATE TABLE health_findings (
    okr_id TEXT NOT NULL,
    code TEXT NOT NULL,
    okr_kind TEXT NOT NULL,
    objective_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank BIGINT NOT NULL,
    okr_title TEXT NOT NULL,
    person_id TEXT,
    message TEXT NOT NULL,
    fix TEXT NOT NULL,
    evaluated_at BIGINT NOT NULL,
    PRIMARY KEY (okr_id, code),
    CONSTRAINT health_findings_okr_kind CHECK (okr_kind IN ('objective', 'key_result')),
    CONSTRAINT health_findings_objective_id_fkey FOREIGN KEY (objective_id) REFERENCES objectives (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX health_findings_objective_idx ON health_findings (objective_id);
