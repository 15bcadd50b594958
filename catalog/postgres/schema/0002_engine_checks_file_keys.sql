-- tapekit catalog schema, version 2 (PostgreSQL): the catalog checks the
-- two per-row foreign keys on the ingest path itself, once per batch.
--
-- PostgreSQL runs a foreign key as a trigger and a query per inserted row;
-- on a batch of new files and their copies those two checks took twice as
-- long as the inserts and their indexes together (COPY of 100,000 rows:
-- 1.3 s and 1.4 s with them, 0.5 s and 0.5 s without).
--
-- files.storage_class: storage classes are never deleted, and CreateFiles
-- reads each class of the batch in the inserting transaction.
-- copies.file_id: CommitCopies locks the batch's files FOR KEY SHARE in
-- one statement, which is what the trigger did row by row, and refuses the
-- batch when one is missing; Delete locks the file FOR UPDATE before moving
-- its copies, so it waits for such commits and moves their copies too.
-- Check reports copies whose file is missing, should another tool edit
-- the tables. SQLite keeps both keys: there they cost an index probe.
ALTER TABLE files DROP CONSTRAINT files_storage_class_fkey;
ALTER TABLE copies DROP CONSTRAINT copies_file_id_fkey;
