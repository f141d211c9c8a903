-- Search by name prefix (issue 5): keyed indexes of the normalised name's first character (the surname, mostly)
-- and first two characters (surname and first given character, or a two-character surname). Matched exactly,
-- like the other blind indexes; NULL until backfilled for rows written before this migration (siyu fills them at
-- start, see docs/customers.md for what these indexes reveal).
ALTER TABLE customers ADD COLUMN name_p1_idx TEXT;
ALTER TABLE customers ADD COLUMN name_p2_idx TEXT;
CREATE INDEX customers_name_p1_idx ON customers(name_p1_idx);
CREATE INDEX customers_name_p2_idx ON customers(name_p2_idx);
ALTER TABLE import_customers ADD COLUMN name_p1_idx TEXT;
ALTER TABLE import_customers ADD COLUMN name_p2_idx TEXT;

-- Where the CRM pull stands (docs/crm.md): the high-water mark of the last finished run, and for a run that has
-- not finished the cursor of its next page and the mark it will store when it does. One row per source.
CREATE TABLE crm_pull_state (
    source          TEXT NOT NULL PRIMARY KEY,
    since           TEXT,
    cursor          TEXT,
    run_since       TEXT,
    next_since      TEXT,
    pages           BIGINT NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
