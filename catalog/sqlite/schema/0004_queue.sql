-- tapekit catalog schema, version 4 (SQLite): the scheduler's queue
-- (catalog.Queue). PostgreSQL gets the same table in its version 6.
-- Times are Unix nanoseconds, -9223372036854775808 for unset, as
-- everywhere since version 3. AUTOINCREMENT: an id is never reused, also
-- after PurgeEnded removed the newest entries, so an id a caller still
-- holds cannot name another request.
CREATE TABLE queue (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	kind          TEXT NOT NULL,
	grp           TEXT NOT NULL,
	file_id       INTEGER NOT NULL,
	path          TEXT NOT NULL,
	size          INTEGER NOT NULL,
	storage_class TEXT NOT NULL,
	copy_no       INTEGER NOT NULL,
	pool          TEXT NOT NULL,
	requester     TEXT NOT NULL,
	activity      TEXT NOT NULL,
	priority      INTEGER NOT NULL,
	created       INTEGER NOT NULL,
	state         TEXT NOT NULL,
	reason        TEXT NOT NULL,
	started       INTEGER NOT NULL,
	ended         INTEGER NOT NULL,
	attempts      INTEGER NOT NULL,
	volume        TEXT NOT NULL,
	host          TEXT NOT NULL
);
-- Pending entries are read in id order; those of a host are recovered on
-- restart; a group is listed or cancelled together; ended ones are purged
-- by age.
CREATE INDEX queue_pending ON queue (id) WHERE state IN ('queued', 'running');
CREATE INDEX queue_host ON queue (host) WHERE state = 'running';
CREATE INDEX queue_group ON queue (grp, id);
CREATE INDEX queue_ended ON queue (ended) WHERE state NOT IN ('queued', 'running');
