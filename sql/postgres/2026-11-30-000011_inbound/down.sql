ALTER TABLE import_rejects SET LOGGED;
ALTER TABLE import_holdings SET LOGGED;
ALTER TABLE import_customers SET LOGGED;
