-- Channel live codes (渠道活码): a WeCom contact way per outlet, RM, event or campaign. `state` (≤30 characters,
-- prefix `ch_`) comes back with every add made through the code, so adds are attributed to the channel through
-- wecom_contacts.state. `node_id` decides who sees and manages the channel (the org scope); `follow_userids` is the
-- JSON array of the members' WeCom userids, `rm_staff_ids` the same members as staff ids. `welcome_text` is sent
-- with the add's welcome_code (C1: the bank's own words, checked by the egress guard when it leaves).
CREATE TABLE wecom_channels (
    id              TEXT NOT NULL PRIMARY KEY,
    corp            TEXT NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    node_id         TEXT NOT NULL REFERENCES org_nodes(id),
    rm_staff_ids    TEXT NOT NULL,
    follow_userids  TEXT NOT NULL,
    state           TEXT NOT NULL,
    config_id       TEXT,
    qr_code         TEXT,
    welcome_text    TEXT,
    status          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (corp, state)
);
CREATE INDEX wecom_channels_node ON wecom_channels(node_id);

-- Adds are attributed by state: the channel's stats read these.
CREATE INDEX wecom_contacts_state ON wecom_contacts(corp, state);

-- Welcome messages sent with an add's welcome_code: one row per code, so a retried callback never sends twice.
-- status: pending (planned with the applied event) | sending (claimed; never retried, the code is single-use) |
-- sent | failed (WeCom refused it, e.g. 41050 expired) | refused (the egress guard refused the text).
CREATE TABLE wecom_welcomes (
    id               TEXT NOT NULL PRIMARY KEY,
    corp             TEXT NOT NULL,
    welcome_code     TEXT NOT NULL,
    channel_id       TEXT NOT NULL REFERENCES wecom_channels(id),
    external_userid  TEXT NOT NULL,
    follow_userid    TEXT NOT NULL,
    status           TEXT NOT NULL,
    error            TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (corp, welcome_code)
);
CREATE INDEX wecom_welcomes_status ON wecom_welcomes(corp, status);
