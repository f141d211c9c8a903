-- Import stages are work tables: every row is written there once per batch and again when the file is published.
-- UNLOGGED spares them the write-ahead log (the second write of every imported row). PostgreSQL empties unlogged
-- tables after a crash (and a promoted standby has them empty): the import job checks before publishing that the
-- stage still holds every line of the file (staged + rejected = rows) and otherwise stages the file again from the
-- start, so a file is still loaded whole or not at all.
ALTER TABLE import_customers SET UNLOGGED;
ALTER TABLE import_holdings SET UNLOGGED;
ALTER TABLE import_rejects SET UNLOGGED;
