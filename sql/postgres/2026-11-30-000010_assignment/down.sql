DROP TABLE customer_merges;
DROP INDEX customers_merged_into;
ALTER TABLE customers DROP COLUMN merged_into;
ALTER TABLE change_history DROP COLUMN reason;
