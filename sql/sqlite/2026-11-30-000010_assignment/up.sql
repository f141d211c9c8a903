-- Managing-RM history (管户关系) lives in change_history (subject_type 'customer', actions 'rm' and 'outlet');
-- each change says why: the CRM batch, the import job, the assignment rule's reason, the resignation.
ALTER TABLE change_history ADD COLUMN reason TEXT;

-- A customer merged into another (One-ID) keeps its row, marked with the survivor; never deleted.
ALTER TABLE customers ADD COLUMN merged_into TEXT;
CREATE INDEX customers_merged_into ON customers(merged_into);

-- One merge of two customer records: which identifiers matched (JSON list of names, no values) and exactly what
-- was moved from the merged record to the survivor (JSON: holding and event row ids), so an unmerge restores it.
CREATE TABLE customer_merges (
    id            TEXT NOT NULL PRIMARY KEY,
    survivor_id   TEXT NOT NULL REFERENCES customers(id),
    merged_id     TEXT NOT NULL REFERENCES customers(id),
    matched       TEXT NOT NULL,
    moved         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    merged_by     TEXT,
    merged_at     TIMESTAMP NOT NULL,
    undone_by     TEXT,
    undone_at     TIMESTAMP
);
CREATE INDEX customer_merges_merged ON customer_merges(merged_id);
CREATE INDEX customer_merges_survivor ON customer_merges(survivor_id);
