-- Automation rules (issue 17): an administrator's "when this happens, tell them" — one trigger,
-- its conditions and one action each, stored as the domain's JSON (`keel_domain::automation`).
-- `automation_rule_firings` is each rule's memory of what it already fired for: one row per
-- occurrence (a status change, a check-in's overdue day, a KPI reading), written in the
-- transaction that delivers the rule's notifications or webhook, so a rule fires once per
-- occurrence whichever server runs the round, however often it is run.
CREATE TABLE automation_rules (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    trigger_json TEXT NOT NULL,
    conditions_json TEXT NOT NULL,
    action_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE TABLE automation_rule_firings (
    rule_id TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    fired_at BIGINT NOT NULL,
    PRIMARY KEY (rule_id, occurrence),
    CONSTRAINT automation_rule_firings_rule_id_fkey FOREIGN KEY (rule_id) REFERENCES automation_rules (id) DEFERRABLE INITIALLY IMMEDIATE
);
