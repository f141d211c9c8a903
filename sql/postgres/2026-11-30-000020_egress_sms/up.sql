-- The egress guard compares outbound text with customers' addresses by equality (REQUIREMENTS C.17): a keyed
-- index of the normalised whole address beside the sealed value, as the name has. Nullable: an address may be
-- absent, and rows written before this migration are filled at start (the address is sealed, SQL cannot).
ALTER TABLE customers ADD COLUMN address_idx TEXT;
ALTER TABLE import_customers ADD COLUMN address_idx TEXT;
CREATE INDEX customers_address_idx ON customers(address_idx);

-- SMS to customers through the bank's gateway, written in the same transaction as the request and its audit
-- record and sent by the engine. The text is sealed (it may carry the customer's own mobile); the recipient is
-- the customer, whose mobile is read from the sealed record when the message is sent, never stored here.
CREATE TABLE sms_outbox (
    id               TEXT NOT NULL PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    requested_by     TEXT NOT NULL,
    text             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    last_error       TEXT,
    gateway_id       TEXT,
    created_at       TIMESTAMP NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP
);
CREATE INDEX sms_outbox_due ON sms_outbox(status, next_attempt_at);
CREATE INDEX sms_outbox_customer ON sms_outbox(customer_id, created_at);
