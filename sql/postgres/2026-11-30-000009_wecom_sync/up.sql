-- What the full sync knows of each customer–member relation beyond the callbacks' ids. The RM's remark and
-- description may hold a customer's name or mobile: sealed by the vault. `mobile_idxs` holds the blind indexes
-- (customer.mobile's key) of the mobiles found in them and in remark_mobiles, never a mobile. `tag_ids` is the JSON
-- array of corp tag ids on the relation.
CREATE TABLE wecom_follow_details (
    id               TEXT NOT NULL PRIMARY KEY,
    corp             TEXT NOT NULL,
    external_userid  TEXT NOT NULL,
    follow_userid    TEXT NOT NULL,
    remark           TEXT,
    description      TEXT,
    mobile_idxs      TEXT NOT NULL,
    tag_ids          TEXT NOT NULL,
    add_way          BIGINT NOT NULL,
    wecom_created_at BIGINT NOT NULL,
    synced_at        TIMESTAMP NOT NULL,
    UNIQUE (corp, external_userid, follow_userid)
);

-- One row per WeCom customer of a corp (the person, whoever follows them): its id is the contact id of the API,
-- and it says which siyu customer that person is (One-ID), how that was decided and by whom. `name` is WeChat's
-- name (possibly the real one): sealed. link_method: state | remark_mobile | confirmed | unlinked (an RM said
-- it is no one's, so automatic linking leaves it alone); NULL: not decided yet.
CREATE TABLE wecom_contact_links (
    id               TEXT NOT NULL PRIMARY KEY,
    corp             TEXT NOT NULL,
    external_userid  TEXT NOT NULL,
    name             TEXT,
    contact_type     BIGINT NOT NULL,
    customer_id      TEXT REFERENCES customers(id),
    link_method      TEXT,
    linked_by        TEXT,
    linked_at        TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (corp, external_userid)
);
CREATE INDEX wecom_contact_links_customer ON wecom_contact_links(customer_id);

-- The corp's customer tags (C1), as the last full sync saw them.
CREATE TABLE wecom_tags (
    corp         TEXT NOT NULL,
    tag_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    group_name   TEXT NOT NULL,
    sort_order   BIGINT NOT NULL,
    synced_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (corp, tag_id)
);
