// Package migtest holds what the SQLite and PostgreSQL migration tests
// share: rows written by an older catalog, and what the migrated catalog
// must read from them.
package migtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// UnsetTimesRows are the rows an older catalog, which stored the zero time
// as 0, could have written; insert them into a database at the schema
// version before the migration to the new unset marker. Their SQL is the
// same on both databases.
var UnsetTimesRows = []string{
	`INSERT INTO pools (name) VALUES ('p1')`,
	`INSERT INTO storage_classes VALUES ('one')`,
	`INSERT INTO storage_class_pools VALUES ('one', 1, 'p1')`,
	// Added without LastMounted and LastWritten, never mounted or
	// written since: 0 meant unset.
	`INSERT INTO volumes VALUES ('NEVER', 'LTO-9', 'lib', 'p1', 'active', '', 1000, 100, 0, 0, 0, 0, '', 1000, 0, 0)`,
	// Added by a catalog whose clock read the epoch, then mounted and
	// written: 0 in a column that was always set is the epoch.
	`INSERT INTO volumes VALUES ('USED', 'LTO-9', 'lib', 'p1', 'active', '', 0, 100, 10, 1, 1, 0, '', 0, 5, -5)`,
	`INSERT INTO files (path, size, checksums, storage_class, owner, created, modified) VALUES ('/old', 7, '', 'one', 'u', 0, 0)`,
}

// CheckUnsetTimes checks, after Open migrated them, the rows UnsetTimesRows
// wrote before the migration, then writes the epoch and reads it back.
func CheckUnsetTimes(t testing.TB, db catalog.Catalog) {
	t.Helper()
	ctx := context.Background()
	at := func(n int64) time.Time { return time.Unix(0, n).UTC() }
	same := func(what string, got, want time.Time) {
		t.Helper()
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	never, err := db.Volume(ctx, "NEVER")
	if err != nil {
		t.Fatal(err)
	}
	if !never.LastMounted.IsZero() || !never.LastWritten.IsZero() {
		t.Errorf("volume never mounted or written: LastMounted %v, LastWritten %v; want zero", never.LastMounted, never.LastWritten)
	}
	same("NEVER Created", never.Created, at(1000))
	same("NEVER StateChanged", never.StateChanged, at(1000))
	used, err := db.Volume(ctx, "USED")
	if err != nil {
		t.Fatal(err)
	}
	same("USED Created", used.Created, at(0))
	same("USED StateChanged", used.StateChanged, at(0))
	same("USED LastMounted", used.LastMounted, at(5))
	same("USED LastWritten", used.LastWritten, at(-5))
	old, err := db.FileByPath(ctx, "/old")
	if err != nil {
		t.Fatal(err)
	}
	same("/old Created", old.Created, at(0))
	same("/old Modified", old.Modified, at(0))

	// New rows: the epoch is kept, zero stays unset.
	if err := db.AddVolume(ctx, catalog.Volume{Barcode: "NEW", Pool: "p1", State: catalog.StateActive, Capacity: 100,
		Created: at(0), LastMounted: at(0)}); err != nil {
		t.Fatal(err)
	}
	v, err := db.Volume(ctx, "NEW")
	if err != nil {
		t.Fatal(err)
	}
	same("NEW Created", v.Created, at(0))
	same("NEW LastMounted", v.LastMounted, at(0))
	if !v.LastWritten.IsZero() {
		t.Errorf("NEW LastWritten = %v, want zero", v.LastWritten)
	}
	fs, err := db.CreateFiles(ctx, []catalog.File{{Path: "/new", StorageClass: "one", Created: at(3), Modified: at(0)}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.File(ctx, fs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	same("/new Created", f.Created, at(3))
	same("/new Modified", f.Modified, at(0))
	if err := db.RecordMount(ctx, "NEVER", 0); err != nil {
		t.Fatal(err)
	}
	if never, err = db.Volume(ctx, "NEVER"); err != nil || never.LastMounted.IsZero() || never.Mounts != 1 {
		t.Errorf("NEVER after RecordMount: %+v, %v; want LastMounted set", never, err)
	}
}

// OldSchema returns the statements that build a database as a release at
// schema version before left it: the migration files schema/*.sql up to
// that version, in the test's package directory, and the schema_version
// table, then rows. next names the migration file that brings the schema
// to before+1, to catch a renumbering.
func OldSchema(t testing.TB, before int, next string, rows ...string) []string {
	t.Helper()
	steps, err := filepath.Glob("schema/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(steps)
	if len(steps) <= before || filepath.Base(steps[before]) != next {
		t.Fatalf("schema steps %v: want %s as step %d", steps, next, before+1)
	}
	var stmts []string
	for _, s := range steps[:before] {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, string(b))
	}
	stmts = append(stmts, `CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		fmt.Sprintf(`INSERT INTO schema_version VALUES (%d)`, before))
	return append(stmts, rows...)
}
