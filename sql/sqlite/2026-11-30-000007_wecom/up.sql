-- WeCom callbacks: every accepted callback is stored here, decrypted, before WeCom is answered; the engine applies
-- the stored events in order per corp. `dedupe_key` is the event's identity (equal for WeCom's retries of one
-- event), so a retry stores nothing new. `event` is the decrypted XML: ids, state and welcome code (C1), never C2.
CREATE TABLE wecom_inbox (
    id               TEXT NOT NULL PRIMARY KEY,
    corp             TEXT NOT NULL,
    dedupe_key       TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    change_type      TEXT,
    create_time      BIGINT NOT NULL,
    event            TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    last_error       TEXT,
    received_at      TIMESTAMP NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    processed_at     TIMESTAMP,
    UNIQUE (corp, dedupe_key)
);
CREATE INDEX wecom_inbox_pending ON wecom_inbox(corp, status, create_time, received_at);

-- Callback nonces seen per corp, shared by replicas: a nonce used again with another signature is a replay.
-- Kept at least as long as the timestamp window, then pruned.
CREATE TABLE wecom_nonces (
    corp       TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    signature  TEXT NOT NULL,
    seen_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (corp, nonce)
);
CREATE INDEX wecom_nonces_seen ON wecom_nonces(seen_at);

-- The relation between one customer (external_userid, C1) and one follow member, as the callbacks tell it.
CREATE TABLE wecom_contacts (
    corp              TEXT NOT NULL,
    external_userid   TEXT NOT NULL,
    follow_userid     TEXT NOT NULL,
    status            TEXT NOT NULL,
    state             TEXT,
    added_at          TIMESTAMP,
    deleted_at        TIMESTAMP,
    delete_reason     TEXT,
    transfer_failure  TEXT,
    last_event        TEXT NOT NULL,
    last_event_at     TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (corp, external_userid, follow_userid)
);
CREATE INDEX wecom_contacts_follow ON wecom_contacts(corp, follow_userid);

-- Access tokens per corp, shared by replicas; the token is sealed by the vault (a secret), with its expiry.
CREATE TABLE wecom_tokens (
    corp          TEXT NOT NULL PRIMARY KEY,
    access_token  TEXT,
    expires_at    TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL
);

-- Short leases that let one replica at a time do a piece of WeCom work: refresh a corp's token, drain a corp's
-- inbox. Taken by compare-and-set, released by the owner, and free again when the lease runs out.
CREATE TABLE wecom_locks (
    name         TEXT NOT NULL PRIMARY KEY,
    owner        TEXT,
    lease_until  TIMESTAMP
);
