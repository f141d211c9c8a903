DROP INDEX sms_outbox_customer;
DROP INDEX sms_outbox_due;
DROP TABLE sms_outbox;
DROP INDEX customers_address_idx;
ALTER TABLE import_customers DROP COLUMN address_idx;
ALTER TABLE customers DROP COLUMN address_idx;
