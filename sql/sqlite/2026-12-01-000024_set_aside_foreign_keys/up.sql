-- A first load of customers or holdings into an empty table drops that table's foreign keys for the load (each
-- row's check costs more than the rest of its write) and adds them back, validated in one join, in the load's own
-- transaction. They are dropped in a short transaction of their own, so that the tables they reference are locked
-- for a moment rather than for the whole load; each one is recorded here in that same transaction, so that if the
-- load never gets to add it back (a crash), the next import or start of `siyu serve` does. PostgreSQL only: on
-- SQLite it stays empty.
CREATE TABLE set_aside_foreign_keys (
    table_name    TEXT NOT NULL,
    name          TEXT NOT NULL,
    definition    TEXT NOT NULL,
    set_aside_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (table_name, name)
);
