-- The customer's address (C2): sealed like the other identity fields; shown masked to district level.
-- Nullable: core-banking files and the CRM may not carry it. The import stage carries it too.
ALTER TABLE customers ADD COLUMN address TEXT;
ALTER TABLE import_customers ADD COLUMN address TEXT;
