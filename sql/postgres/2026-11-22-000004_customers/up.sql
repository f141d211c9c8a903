-- The customer (One-ID). Personal financial information (JR/T 0171 C2) is sealed by the vault, bound to this
-- row; fields found by equality carry a keyed blind index beside them. `aum_band` is the masked form of AUM
-- that segments may use without decrypting.
CREATE TABLE customers (
    id                 TEXT NOT NULL PRIMARY KEY,
    customer_no        TEXT NOT NULL,
    customer_no_idx    TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    name_idx           TEXT NOT NULL,
    gender             TEXT NOT NULL,
    birth_date         TEXT,
    id_number          TEXT,
    id_number_idx      TEXT,
    mobile             TEXT,
    mobile_idx         TEXT,
    risk_level         TEXT,
    risk_assessed_on   TEXT,
    aum                TEXT,
    aum_band           TEXT NOT NULL,
    node_id            TEXT NOT NULL REFERENCES org_nodes(id),
    rm_staff_id        TEXT REFERENCES staff(id),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX customers_id_number_idx ON customers(id_number_idx);
CREATE INDEX customers_mobile_idx ON customers(mobile_idx);
-- The keyed index of the whole name lets the egress guard recognise a customer's name in outgoing text.
CREATE INDEX customers_name_idx ON customers(name_idx);
CREATE INDEX customers_node ON customers(node_id);
CREATE INDEX customers_rm ON customers(rm_staff_id);
