DROP TABLE customer_consents;
