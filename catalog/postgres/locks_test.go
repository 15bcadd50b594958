package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/postgres"
)

// Lock-order tests: two hosts' calls that lock the same rows must take
// them in one order, or PostgreSQL aborts one with "deadlock detected".
// Each test forces the interleaving that deadlocked before the fix by
// holding a row from a third connection.

// twoHosts opens two handles on a new database with pool p, class "two"
// (two copies in p) and volumes SRC, V1 and V2, and a raw connection.
func twoHosts(t *testing.T) (a, b *postgres.DB, raw *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	dsn := newDSN(t)
	var err error
	for _, h := range []**postgres.DB{&a, &b} {
		if *h, err = postgres.Open(ctx, dsn, nil); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { (*h).Close() })
	}
	if raw, err = pgx.Connect(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close(ctx) })
	errs := []error{a.PutPool(ctx, catalog.Pool{Name: "p"}),
		a.PutStorageClass(ctx, catalog.StorageClass{Name: "two", Pools: []string{"p", "p"}})}
	for _, bc := range []string{"SRC", "V1", "V2"} {
		errs = append(errs, a.AddVolume(ctx, catalog.Volume{Barcode: bc, Pool: "p", State: catalog.StateActive, Capacity: 1e12}))
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return a, b, raw
}

// A commit locked its files for key share in the order they lie on disk,
// a relocation in id order: after an undelete moved file 1 behind file 2
// on disk, the two deadlocked.
func TestCommitAndRelocateLockFilesInOneOrder(t *testing.T) {
	a, b, raw := twoHosts(t)
	ctx := context.Background()
	fs, err := a.CreateFiles(ctx, []catalog.File{{Path: "/f1", StorageClass: "two"}, {Path: "/f2", StorageClass: "two"}})
	if err != nil {
		t.Fatal(err)
	}
	f1, f2 := fs[0].ID, fs[1].ID
	if err := a.Delete(ctx, f1, "move it on disk"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Undelete(ctx, f1); err != nil {
		t.Fatal(err)
	}
	if err := a.CommitCopies(ctx, "SRC", []catalog.Copy{{FileID: f1, CopyNo: 1, FileSeq: 1, Format: "x"}, {FileID: f2, CopyNo: 1, FileSeq: 2, Format: "x"}}, 0, 2); err != nil {
		t.Fatal(err)
	}
	tx, err := raw.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM files WHERE id = $1 FOR SHARE`, f2); err != nil {
		t.Fatal(err)
	}
	var rerr, cerr error
	var wg sync.WaitGroup
	wg.Go(func() {
		rerr = a.RelocateCopies(ctx, "V1", []catalog.Copy{{FileID: f1, CopyNo: 1, FileSeq: 1, Format: "x"}, {FileID: f2, CopyNo: 1, FileSeq: 2, Format: "x"}}, 0, 2)
	})
	time.Sleep(200 * time.Millisecond) // the relocation holds f1 and waits for f2
	wg.Go(func() {
		cerr = b.CommitCopies(ctx, "V2", []catalog.Copy{{FileID: f1, CopyNo: 2, FileSeq: 1, Format: "x"}, {FileID: f2, CopyNo: 2, FileSeq: 2, Format: "x"}}, 0, 2)
	})
	time.Sleep(200 * time.Millisecond)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if rerr != nil || cerr != nil {
		t.Fatalf("relocation: %v; commit: %v", rerr, cerr)
	}
}

// A relocation locked its files and then added a new format name; a
// commit added the name and then locked the files: with one file and one
// new name, they deadlocked.
func TestCommitAndRelocateAddAFormatInOneOrder(t *testing.T) {
	a, b, raw := twoHosts(t)
	ctx := context.Background()
	for round := range 3 {
		fs, err := a.CreateFiles(ctx, []catalog.File{{Path: fmt.Sprintf("/f%d", round), StorageClass: "two"}})
		if err != nil {
			t.Fatal(err)
		}
		f := fs[0]
		vols := map[string]catalog.Volume{}
		for _, bc := range []string{"SRC", "V1", "V2"} {
			if vols[bc], err = a.Volume(ctx, bc); err != nil {
				t.Fatal(err)
			}
		}
		next := func(bc string) int64 { return vols[bc].LastFileSeq + 1 }
		if err := a.CommitCopies(ctx, "SRC", []catalog.Copy{{FileID: f.ID, CopyNo: 1, FileSeq: next("SRC"), Format: "old"}}, 0, next("SRC")); err != nil {
			t.Fatal(err)
		}
		format := fmt.Sprintf("new-%d", round)
		tx, err := raw.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO formats (name) VALUES ($1)`, format); err != nil {
			t.Fatal(err)
		}
		var rerr, cerr error
		var wg sync.WaitGroup
		wg.Go(func() {
			rerr = a.RelocateCopies(ctx, "V1", []catalog.Copy{{FileID: f.ID, CopyNo: 1, FileSeq: next("V1"), Format: format}}, 0, next("V1"))
		})
		time.Sleep(150 * time.Millisecond) // the relocation waits on the format name
		wg.Go(func() {
			cerr = b.CommitCopies(ctx, "V2", []catalog.Copy{{FileID: f.ID, CopyNo: 2, FileSeq: next("V2"), Format: format}}, 0, next("V2"))
		})
		time.Sleep(150 * time.Millisecond)
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if rerr != nil || cerr != nil {
			t.Fatalf("round %d: relocation: %v; commit: %v", round, rerr, cerr)
		}
	}
}

// Two batches of the same paths in opposite orders: one creates them, the
// other fails with ErrExists; before rows were sent in path order, some
// pairs deadlocked.
func TestCrossedCreateFiles(t *testing.T) {
	a, b, _ := twoHosts(t)
	ctx := context.Background()
	for round := range 20 {
		var up, down []catalog.File
		for j := range 200 {
			f := catalog.File{Path: fmt.Sprintf("/r%02d/%04d", round, j), StorageClass: "two"}
			up = append(up, f)
			down = append([]catalog.File{f}, down...)
		}
		var errs [2]error
		var wg sync.WaitGroup
		wg.Go(func() { _, errs[0] = a.CreateFiles(ctx, up) })
		wg.Go(func() { _, errs[1] = b.CreateFiles(ctx, down) })
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, catalog.ErrExists):
				t.Fatalf("round %d: CreateFiles: %v, want success or ErrExists", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d of two crossed batches succeeded", round, ok)
		}
	}
}

// Two commits adding the same two new format names in opposite orders:
// each held the name it added first and waited for the other's.
func TestCommitsAddFormatsInOneOrder(t *testing.T) {
	a, b, raw := twoHosts(t)
	ctx := context.Background()
	for round := range 8 { // which waiter wins a released name is a race: several rounds
		fs, err := a.CreateFiles(ctx, []catalog.File{{Path: fmt.Sprintf("/a%d", round), StorageClass: "two"}, {Path: fmt.Sprintf("/b%d", round), StorageClass: "two"}})
		if err != nil {
			t.Fatal(err)
		}
		v1, err1 := a.Volume(ctx, "V1")
		v2, err2 := a.Volume(ctx, "V2")
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		fa, fb := fmt.Sprintf("A%d", round), fmt.Sprintf("B%d", round)
		tx, err := raw.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO formats (name) VALUES ($1)`, fb); err != nil {
			t.Fatal(err)
		}
		n1, n2 := v1.LastFileSeq, v2.LastFileSeq
		var e1, e2 error
		var wg sync.WaitGroup
		wg.Go(func() {
			e1 = a.CommitCopies(ctx, "V1", []catalog.Copy{{FileID: fs[0].ID, CopyNo: 1, FileSeq: n1 + 1, Format: fa},
				{FileID: fs[1].ID, CopyNo: 1, FileSeq: n1 + 2, Format: fb}}, 0, n1+2)
		})
		time.Sleep(150 * time.Millisecond) // the first holds A and waits for B
		wg.Go(func() {
			e2 = b.CommitCopies(ctx, "V2", []catalog.Copy{{FileID: fs[1].ID, CopyNo: 2, FileSeq: n2 + 1, Format: fb},
				{FileID: fs[0].ID, CopyNo: 2, FileSeq: n2 + 2, Format: fa}}, 0, n2+2)
		})
		time.Sleep(150 * time.Millisecond)
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if e1 != nil || e2 != nil {
			t.Fatalf("round %d: first commit: %v; second: %v", round, e1, e2)
		}
	}
}
