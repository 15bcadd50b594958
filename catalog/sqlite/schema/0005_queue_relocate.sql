-- tapekit catalog schema, version 5 (SQLite): an archive in the queue may
-- relocate an existing copy (a repack) off the volume named here
-- (catalog.QueueEntry.Relocate); '' for every other entry. PostgreSQL
-- gets the same column in its version 7.
ALTER TABLE queue ADD COLUMN relocate TEXT NOT NULL DEFAULT '';
