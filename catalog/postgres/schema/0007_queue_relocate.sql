-- tapekit catalog schema, version 7 (PostgreSQL): an archive in the queue
-- may relocate an existing copy (a repack) off the volume named here
-- (catalog.QueueEntry.Relocate); '' for every other entry. SQLite gets the
-- same column in its version 5.
ALTER TABLE queue ADD COLUMN relocate TEXT NOT NULL DEFAULT '';
