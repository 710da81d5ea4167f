-- Background work and the in-app notification centre (docs/notifications.md).
--
-- `jobs`: durable one-off and scheduled jobs. A scheduled job's run for one period carries a
-- `unique_key` (kind and period), so that two servers scheduling the same period make one row.
-- A worker claims a job by taking a lease (`worker`, `lease_until`); a lease that expires (the
-- worker crashed) lets another worker claim it again. A failed attempt waits `run_at` (backoff);
-- after `max_attempts` the job is `dead` and kept, with its `last_error`, for the operator.
--
-- `notifications`: what a person is told, written in the same transaction as the change that
-- caused it. `objective_id` decides who may read it (checked again at every read).
--
-- `key_result_signals`: each key result's last known status and whether its check-in was due,
-- as the periodic evaluator last saw them, so that a transition is recorded once.

CREATE TABLE jobs (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    unique_key TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    worker TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    CONSTRAINT jobs_unique_key_key UNIQUE (unique_key)
);
CREATE INDEX jobs_due_idx ON jobs (state, run_at);

CREATE TABLE notifications (
    id TEXT NOT NULL PRIMARY KEY,
    recipient_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor_id TEXT,
    objective_id TEXT,
    key_result_id TEXT,
    subject_id TEXT NOT NULL,
    detail TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    CONSTRAINT notifications_recipient_id_fkey FOREIGN KEY (recipient_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT notifications_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES people (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, created_at, id);
CREATE INDEX notifications_unread_idx ON notifications (recipient_id, read_at);

CREATE TABLE key_result_signals (
    key_result_id TEXT NOT NULL PRIMARY KEY,
    status TEXT NOT NULL,
    due BIGINT NOT NULL,
    evaluated_at BIGINT NOT NULL,
    CONSTRAINT key_result_signals_key_result_id_fkey FOREIGN KEY (key_result_id) REFERENCES key_results (id) DEFERRABLE INITIALLY IMMEDIATE
);
