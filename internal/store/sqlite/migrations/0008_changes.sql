-- sactl SQLite schema, version 8: nothing to do. PostgreSQL's 0008 adds
-- the change counter of the verification caches, which SQLite needs not
-- (PRAGMA data_version tells); this keeps the numbering shared.
SELECT 1;
