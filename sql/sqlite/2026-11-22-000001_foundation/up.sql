-- The organisation tree. `path` is the materialised path of ids (/root/…/self/): subtree = prefix match.
CREATE TABLE org_nodes (
    id          TEXT NOT NULL PRIMARY KEY,
    parent_id   TEXT REFERENCES org_nodes(id),
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    path        TEXT NOT NULL UNIQUE,
    depth       BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX org_nodes_parent ON org_nodes(parent_id);

CREATE TABLE staff (
    id            TEXT NOT NULL PRIMARY KEY,
    employee_no   TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    node_id       TEXT NOT NULL REFERENCES org_nodes(id),
    wecom_userid  TEXT UNIQUE,
    status        TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX staff_node ON staff(node_id);

-- The history of things that move or change state (org nodes, staff, later customers' managing RMs):
-- what changed, from what to what, when and by whom. Kept beside the audit trail for the screens.
CREATE TABLE change_history (
    id            TEXT NOT NULL PRIMARY KEY,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    at            TIMESTAMP NOT NULL,
    action        TEXT NOT NULL,
    from_value    TEXT,
    to_value      TEXT,
    actor_id      TEXT
);
CREATE INDEX change_history_subject ON change_history(subject_type, subject_id, at);

-- A member of staff who may log in. Passwords are argon2id PHC strings.
CREATE TABLE accounts (
    staff_id              TEXT NOT NULL PRIMARY KEY REFERENCES staff(id),
    username              TEXT NOT NULL UNIQUE,
    password_hash         TEXT NOT NULL,
    password_changed_at   TIMESTAMP NOT NULL,
    must_change_password  BOOLEAN NOT NULL,
    totp_secret           TEXT,
    totp_last_step        BIGINT,
    totp_confirmed_at     TIMESTAMP,
    last_login_at         TIMESTAMP,
    created_at            TIMESTAMP NOT NULL
);

CREATE TABLE password_history (
    id             TEXT NOT NULL PRIMARY KEY,
    staff_id       TEXT NOT NULL REFERENCES staff(id),
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX password_history_staff ON password_history(staff_id, created_at);

CREATE TABLE role_assignments (
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    role        TEXT NOT NULL,
    granted_by  TEXT,
    granted_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (staff_id, role)
);

-- Browser sessions. The id is kept only as its SHA-256; the cookie holds the secret.
CREATE TABLE sessions (
    id_hash       TEXT NOT NULL PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    stage         TEXT NOT NULL,
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    client_addr   TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    revoked_at    TIMESTAMP
);
CREATE INDEX sessions_staff ON sessions(staff_id);

-- API tokens for machine clients, kept only as their SHA-256.
CREATE TABLE api_tokens (
    id            TEXT NOT NULL PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    revoked_at    TIMESTAMP
);
CREATE INDEX api_tokens_staff ON api_tokens(staff_id);

-- Failed logins, by name (known or not) and by client address, for lockout and throttling.
CREATE TABLE login_failures (
    id           TEXT NOT NULL PRIMARY KEY,
    username     TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    at           TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username, at);
CREATE INDEX login_failures_addr ON login_failures(client_addr, at);

CREATE TABLE login_locks (
    username      TEXT NOT NULL PRIMARY KEY,
    locked_until  TIMESTAMP NOT NULL
);

-- The audit chain: append-only (enforced by triggers below), each record hashing the one before.
CREATE TABLE audit_log (
    seq           BIGINT NOT NULL PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    at            TIMESTAMP NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    actor_roles   TEXT NOT NULL,
    org_node_id   TEXT NOT NULL,
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    error_code    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    client_addr   TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    session_hash  TEXT NOT NULL,
    detail        TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action, at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);

-- The head of the chain. Every audited write transaction locks this row first, which serialises appends
-- across replicas and makes SQLite take its write lock before any read.
CREATE TABLE audit_head (
    id    BIGINT NOT NULL PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
