DROP INDEX customers_address_unindexed;
DROP TABLE import_unchanged;
ALTER TABLE import_customers DROP COLUMN row_digest;
ALTER TABLE customers DROP COLUMN row_digest;
