ALTER TABLE import_customers DROP COLUMN address;
ALTER TABLE customers DROP COLUMN address;
