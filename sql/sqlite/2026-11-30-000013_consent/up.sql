-- Marketing consent per customer and channel (PIPL): a row exists once someone recorded a choice; no row means no
-- refusal. The latest choice is the row; every change is also an audit record (who, source, reason).
CREATE TABLE customer_consents (
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    channel      TEXT NOT NULL,
    opted_out    BOOLEAN NOT NULL,
    source       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, channel)
);
