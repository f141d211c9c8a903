-- Mail waiting for the relay, written in the same transaction as the change that causes it and sent by the
-- engine: nothing is lost when the relay or siyu is down. Bodies hold no customer data (the egress guard refuses
-- any that would), so they are stored as they are.
CREATE TABLE mail_outbox (
    id               TEXT NOT NULL PRIMARY KEY,
    kind             TEXT NOT NULL,
    to_addr          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
