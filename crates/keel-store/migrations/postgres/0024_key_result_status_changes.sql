-- The periodic evaluator's memory of each key result's status changes (issue 16, dashboards):
-- `key_result_signals` keeps only the last status, so "newly off track since last week" could
-- not tell a key result that turned off track this week from one that was off track a week ago,
-- recovered and fell back. One row per change the evaluator records: the status before and
-- after, and when. A key result seen for the first time is not a change and has no row.
CREATE TABLE key_result_status_changes (
    key_result_id TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    status_before TEXT NOT NULL,
    status_after TEXT NOT NULL,
    PRIMARY KEY (key_result_id, changed_at),
    CONSTRAINT key_result_status_changes_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX key_result_status_changes_changed_at_idx ON key_result_status_changes (changed_at, key_result_id);
