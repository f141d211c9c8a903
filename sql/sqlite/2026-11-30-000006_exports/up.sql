-- Exports of customer data (REQUIREMENTS J.62). Masked exports are ready at once. An unmasked export waits for
-- the approval of a different person holding export.approve, lapses 24 hours after its request if nobody decides,
-- and can be downloaded once within 24 hours of its approval. The file itself is never stored: it is built when
-- downloaded, and the SHA-256 of what was sent goes into the audit record and here.
CREATE TABLE exports (
    id             TEXT NOT NULL PRIMARY KEY,
    kind           TEXT NOT NULL,
    masked         BOOLEAN NOT NULL,
    node_id        TEXT NOT NULL REFERENCES org_nodes(id),
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL,
    requested_by   TEXT NOT NULL REFERENCES staff(id),
    requested_at   TIMESTAMP NOT NULL,
    decided_by     TEXT REFERENCES staff(id),
    decided_at     TIMESTAMP,
    decision_note  TEXT,
    expires_at     TIMESTAMP NOT NULL,
    downloads      BIGINT NOT NULL,
    last_sha256    TEXT,
    last_rows      BIGINT
);
CREATE INDEX exports_requested ON exports(requested_by, requested_at);
CREATE INDEX exports_status ON exports(status, requested_at);

-- When the session's owner last proved who they are (password, then second factor where required). Unmasking
-- asks for this to be recent (REQUIREMENTS B.13).
ALTER TABLE sessions ADD COLUMN authenticated_at TIMESTAMP;
