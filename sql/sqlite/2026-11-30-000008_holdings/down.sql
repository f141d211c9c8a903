DROP TABLE customer_events;
DROP TABLE customer_days;
DROP TABLE import_holdings;
DROP TABLE holdings;
