-- Customer transfers (客户继承) between follow members: one row per (contact, from RM, to RM) attempt. `status`:
-- waiting (started_at NULL: queued, not yet sent to WeCom; else WeCom accepted it and the customer has 24 h to
-- refuse), succeeded, failed (`errcode` from transfer_customer or the transfer_result status, `reason` a code such
-- as customer_refused). `flow`: on_duty | resigned, chosen from the handover RM's status when it is started.
-- `node_id` is the outlet that sees it (the linked customer's outlet, else the handover RM's node).
CREATE TABLE wecom_transfers (
    id               TEXT NOT NULL PRIMARY KEY,
    corp             TEXT NOT NULL,
    external_userid  TEXT NOT NULL,
    customer_id      TEXT,
    node_id          TEXT NOT NULL REFERENCES org_nodes(id),
    from_staff_id    TEXT NOT NULL REFERENCES staff(id),
    to_staff_id      TEXT NOT NULL REFERENCES staff(id),
    handover_userid  TEXT NOT NULL,
    takeover_userid  TEXT NOT NULL,
    flow             TEXT,
    status           TEXT NOT NULL,
    errcode          BIGINT,
    reason           TEXT,
    message          TEXT,
    origin           TEXT NOT NULL,
    created_by       TEXT,
    created_at       TIMESTAMP NOT NULL,
    started_at       TIMESTAMP,
    finished_at      TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX wecom_transfers_open ON wecom_transfers(corp, status, handover_userid, takeover_userid);
CREATE INDEX wecom_transfers_contact ON wecom_transfers(corp, external_userid);

-- Adds and deletions of customer–member relations as the callbacks told them, with WeCom's time, so weekly
-- figures can be recomputed. kind: add | delete_by_customer | delete_by_rm | delete_by_transfer. `week` is the
-- ISO week of occurred_at in Asia/Shanghai time ("2026-W49"). `inbox_id` makes a replayed callback count once.
CREATE TABLE wecom_contact_events (
    inbox_id         TEXT NOT NULL PRIMARY KEY,
    corp             TEXT NOT NULL,
    external_userid  TEXT NOT NULL,
    follow_userid    TEXT NOT NULL,
    kind             TEXT NOT NULL,
    occurred_at      TIMESTAMP NOT NULL,
    week             TEXT NOT NULL
);
CREATE INDEX wecom_contact_events_week ON wecom_contact_events(week, follow_userid);

-- Weekly add targets of an RM (subject_type staff) or an outlet (node): the target holds from `week` on until a
-- later row for the same subject.
CREATE TABLE wecom_add_targets (
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    week          TEXT NOT NULL,
    target        BIGINT NOT NULL,
    set_by        TEXT NOT NULL,
    set_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (subject_type, subject_id, week)
);
