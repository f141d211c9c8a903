DROP TABLE crm_pull_state;
DROP INDEX customers_name_p2_idx;
DROP INDEX customers_name_p1_idx;
ALTER TABLE import_customers DROP COLUMN name_p2_idx;
ALTER TABLE import_customers DROP COLUMN name_p1_idx;
ALTER TABLE customers DROP COLUMN name_p2_idx;
ALTER TABLE customers DROP COLUMN name_p1_idx;
