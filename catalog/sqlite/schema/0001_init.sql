-- tapekit catalog schema, version 1 (SQLite). The PostgreSQL schema in
-- catalog/postgres/schema has the same tables, columns and constraints;
-- keep them in step. Times are Unix nanoseconds (0 = unset).
-- On-tape formats ("tapekit-pax-1", "cta-ansi") are few and repeat on
-- every copy: copies store a small id, which keeps the table small and
-- spares the volume listing a string per copy. Rows are never changed or
-- removed, so readers may cache id → name. copies.format_id has no
-- foreign key: ids come from this table in the committing transaction,
-- and a per-row check would slow ingest for no protection.
CREATE TABLE formats (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE pools (
	name        TEXT PRIMARY KEY,
	description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE storage_classes (
	name TEXT PRIMARY KEY
);
CREATE TABLE storage_class_pools (
	class   TEXT NOT NULL REFERENCES storage_classes (name),
	copy_no INTEGER NOT NULL,
	pool    TEXT NOT NULL REFERENCES pools (name),
	PRIMARY KEY (class, copy_no)
);
CREATE TABLE volumes (
	barcode       TEXT PRIMARY KEY,
	media_type    TEXT NOT NULL,
	library       TEXT NOT NULL,
	pool          TEXT NOT NULL REFERENCES pools (name),
	state         TEXT NOT NULL,
	state_reason  TEXT NOT NULL,
	state_changed INTEGER NOT NULL,
	capacity      INTEGER NOT NULL,
	bytes_used    INTEGER NOT NULL,
	last_file_seq INTEGER NOT NULL,
	mounts        INTEGER NOT NULL,
	errors        INTEGER NOT NULL,
	writer        TEXT NOT NULL DEFAULT '',
	created       INTEGER NOT NULL,
	last_mounted  INTEGER NOT NULL,
	last_written  INTEGER NOT NULL
);
CREATE INDEX volumes_pool_state ON volumes (pool, state);
-- AUTOINCREMENT: a deleted file's id must never be handed out again, or
-- Undelete and tapes that record the id would point at the wrong file.
CREATE TABLE files (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	path          TEXT NOT NULL UNIQUE,
	size          INTEGER NOT NULL,
	checksums     TEXT NOT NULL,
	storage_class TEXT NOT NULL REFERENCES storage_classes (name),
	owner         TEXT NOT NULL,
	created       INTEGER NOT NULL,
	modified      INTEGER NOT NULL
);
-- copies.volume has no foreign key on purpose: the consistency check looks
-- for copies on unknown volumes, which catalogs edited by other tools have.
-- Clustered by (volume, file_seq), WITHOUT ROWID: listing a volume in tape
-- order, the recall path, is then one sequential b-tree scan instead of an
-- index walk plus a table lookup per copy.
CREATE TABLE copies (
	volume   TEXT NOT NULL,
	file_seq INTEGER NOT NULL,
	file_id  INTEGER NOT NULL REFERENCES files (id),
	copy_no  INTEGER NOT NULL,
	block_id INTEGER NOT NULL,
	format_id INTEGER NOT NULL,
	size     INTEGER NOT NULL,
	-- rec repeats what a listing needs in one column ("file_seq,file_id,
	-- copy_no,block_id,format_id,size"), written by InsertCopies: the
	-- driver takes a lock per column it reads, and a listing of six columns
	-- spent more time in those locks than in SQLite. Rows written by other
	-- paths (undelete) leave it empty and listings compute it.
	rec      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (volume, file_seq),
	UNIQUE (file_id, copy_no)
) WITHOUT ROWID;
CREATE TABLE deleted_files (
	id            INTEGER PRIMARY KEY,
	path          TEXT NOT NULL,
	size          INTEGER NOT NULL,
	checksums     TEXT NOT NULL,
	storage_class TEXT NOT NULL,
	owner         TEXT NOT NULL,
	created       INTEGER NOT NULL,
	modified      INTEGER NOT NULL,
	deleted_at    INTEGER NOT NULL,
	reason        TEXT NOT NULL
);
CREATE INDEX deleted_files_path ON deleted_files (path);
CREATE TABLE deleted_copies (
	file_id  INTEGER NOT NULL REFERENCES deleted_files (id),
	copy_no  INTEGER NOT NULL,
	volume   TEXT NOT NULL,
	file_seq INTEGER NOT NULL,
	block_id INTEGER NOT NULL,
	format_id INTEGER NOT NULL,
	size     INTEGER NOT NULL,
	PRIMARY KEY (file_id, copy_no)
);
