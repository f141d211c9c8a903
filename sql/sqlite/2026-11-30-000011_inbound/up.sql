-- PostgreSQL makes the import stages UNLOGGED here (see sql/postgres); SQLite has no such tables: nothing changes.
SELECT 1;
