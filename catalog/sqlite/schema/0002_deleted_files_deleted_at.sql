-- tapekit catalog schema, version 2 (SQLite): PurgeDeleted removes the
-- recycle-log entries deleted before a time, and the log only grows until
-- it is purged: an index on deleted_at makes a purge read what it removes,
-- not the whole log. Delete writes one more index entry per file.
CREATE INDEX deleted_files_deleted_at ON deleted_files (deleted_at);
