-- Outbound webhooks (issue 17): endpoints an administrator registered, with the events they
-- subscribe to, their payload format and their signing secret sealed with the server's key
-- (never stored in clear); one delivery per event and endpoint, written in the transaction of
-- the change and sent by a job; every attempt of a delivery with its outcome.
CREATE TABLE webhook_endpoints (
    id TEXT NOT NULL PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    format TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT webhook_endpoints_format CHECK (format IN ('keel', 'slack', 'teams'))
);
CREATE TABLE webhook_deliveries (
    id TEXT NOT NULL PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    CONSTRAINT webhook_deliveries_state CHECK (state IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);
CREATE TABLE webhook_attempts (
    id TEXT NOT NULL PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status_code BIGINT,
    duration_ms BIGINT NOT NULL,
    error TEXT,
    CONSTRAINT webhook_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);
