package archiver_test

import (
	"context"
	"fmt"
	"hash/adler32"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/examples/hsm/internal/archiver"
	"github.com/tapekit/tapekit/examples/hsm/internal/fakesched"
	"github.com/tapekit/tapekit/scheduler"
)

type env struct {
	t     *testing.T
	c     *cache.Cache
	cat   *sqlite.DB
	sched *fakesched.Scheduler
	seq   int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := cache.Open(filepath.Join(dir, "cache"), &cache.Options{Quota: 1 << 20, Logger: quiet})
	must(t, err)
	t.Cleanup(func() { c.Close() })
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "cat.db"), &sqlite.Options{Logger: quiet})
	must(t, err)
	t.Cleanup(func() { cat.Close() })
	must(t, cat.PutPool(ctx, catalog.Pool{Name: "p1"}))
	must(t, cat.PutPool(ctx, catalog.Pool{Name: "p2"}))
	must(t, cat.PutStorageClass(ctx, catalog.StorageClass{Name: "one", Pools: []string{"p1"}}))
	must(t, cat.PutStorageClass(ctx, catalog.StorageClass{Name: "two", Pools: []string{"p1", "p2"}}))
	for _, v := range []struct{ barcode, pool string }{{"TK0001L9", "p1"}, {"TK0002L9", "p2"}} {
		must(t, cat.AddVolume(ctx, catalog.Volume{Barcode: v.barcode, MediaType: "LTO-9", Library: "lib", Pool: v.pool, State: catalog.StateActive, Capacity: 18e12}))
	}
	return &env{t: t, c: c, cat: cat, sched: fakesched.New(fakesched.Config{})}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) archiver(class string) *archiver.Archiver {
	a, err := archiver.New(archiver.Config{Cache: e.c, Catalog: e.cat, Scheduler: e.sched, StorageClass: class,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(e.t, err)
	e.sched.SetOnEnd(a.Ended)
	return a
}

func (e *env) put(name, data string) {
	w, err := e.c.Create(context.Background(), name, int64(len(data)), nil)
	must(e.t, err)
	_, err = w.Write([]byte(data))
	must(e.t, err)
	_, err = w.Commit()
	must(e.t, err)
}

// written is the mover's part: the copy committed to the catalog, then
// the request ended Done.
func (e *env) written(r scheduler.Request, copyNo int64, volume string) {
	e.t.Helper()
	ctx := context.Background()
	v, err := e.cat.Volume(ctx, volume)
	must(e.t, err)
	must(e.t, e.cat.CommitCopies(ctx, volume, []catalog.Copy{{FileID: r.FileID, CopyNo: copyNo, Volume: volume, FileSeq: v.LastFileSeq + 1, Format: "tapekit-pax-1"}}, v.BytesUsed+r.Size, v.LastFileSeq+1))
	must(e.t, e.sched.Finish(ctx, r.ID, scheduler.Done, ""))
}

func (e *env) state(name string) cache.State {
	info, err := e.c.Stat(name)
	must(e.t, err)
	return info.State
}

func TestArchive(t *testing.T) {
	e := newEnv(t)
	a := e.archiver("one")
	ctx := context.Background()
	e.put("exp/f", "data")
	n, err := a.Flush(ctx)
	if err != nil || n != 1 {
		t.Fatalf("flush: %d %v", n, err)
	}
	f, err := e.cat.FileByPath(ctx, "/exp/f")
	must(t, err)
	if f.Size != 4 || f.StorageClass != "one" || f.Checksums["adler32"] != fmt.Sprintf("%08x", adler32.Checksum([]byte("data"))) {
		t.Fatalf("catalog entry %+v", f)
	}
	reqs := e.sched.Requests()
	if len(reqs) != 1 || reqs[0].Kind != scheduler.Archive || reqs[0].FileID != f.ID || reqs[0].Group != "archive:exp/f" || reqs[0].StorageClass != "one" {
		t.Fatalf("requests %+v", reqs)
	}
	if n, _ := a.Flush(ctx); n != 0 || len(e.sched.Requests()) != 1 {
		t.Fatal("a file in flight was submitted again")
	}
	if e.state("exp/f") != cache.Precious {
		t.Fatal("not precious while archiving")
	}
	e.written(reqs[0], 1, "TK0001L9")
	if got := e.state("exp/f"); got != cache.Online {
		t.Fatalf("state after its copy: %v", got)
	}
	if n, _ := a.Flush(ctx); n != 0 {
		t.Fatal("an archived file was flushed")
	}
}

func TestArchiveFailureRetries(t *testing.T) {
	e := newEnv(t)
	a := e.archiver("one")
	ctx := context.Background()
	e.put("f", "x")
	a.Flush(ctx)
	r := e.sched.Requests()[0]
	must(t, e.sched.Finish(ctx, r.ID, scheduler.Failed, "no writable volume"))
	if e.state("f") != cache.Precious {
		t.Fatal("a failed archive left the file not precious")
	}
	if n, _ := a.Flush(ctx); n != 1 {
		t.Fatalf("flush after a failure: %d", n)
	}
	reqs := e.sched.Requests()
	// The catalog entry was made by the first flush: the second submits
	// the missing copy by number.
	if len(reqs) != 2 || reqs[1].CopyNo != 1 || reqs[1].FileID != r.FileID {
		t.Fatalf("%+v", reqs)
	}
	e.written(reqs[1], 1, "TK0001L9")
	if e.state("f") != cache.Online {
		t.Fatal("not archived")
	}
}

// TestArchiveAfterRestart: a new archiver (a restarted HSM) finds the
// catalog entry and one of two copies written: it cancels the old
// requests and submits only the missing copy.
func TestArchiveAfterRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.put("g", "yy")
	old := e.archiver("two")
	old.Flush(ctx)
	r := e.sched.Requests()[0]
	// Copy 1 reached tape, then the process died.
	v, _ := e.cat.Volume(ctx, "TK0001L9")
	must(t, e.cat.CommitCopies(ctx, "TK0001L9", []catalog.Copy{{FileID: r.FileID, CopyNo: 1, Volume: "TK0001L9", FileSeq: 1, Format: "tapekit-pax-1"}}, v.BytesUsed+2, 1))

	a := e.archiver("two")
	if n, err := a.Flush(ctx); n != 1 || err != nil {
		t.Fatalf("flush: %d %v", n, err)
	}
	reqs := e.sched.Requests()
	if reqs[0].State != scheduler.Cancelled {
		t.Fatalf("the old request: %+v", reqs[0])
	}
	if len(reqs) != 2 || reqs[1].CopyNo != 2 {
		t.Fatalf("%+v", reqs)
	}
	e.written(reqs[1], 2, "TK0002L9")
	if e.state("g") != cache.Online {
		t.Fatal("not archived")
	}
}

func TestArchiveRefusesAnotherFile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.cat.CreateFiles(ctx, []catalog.File{{Path: "/h", Size: 3, StorageClass: "one", Checksums: map[string]string{"adler32": "00000001"}}})
	must(t, err)
	e.put("h", "abc")
	a := e.archiver("one")
	if n, _ := a.Flush(ctx); n != 0 || len(e.sched.Requests()) != 0 {
		t.Fatal("archived over another catalog file")
	}
	if e.state("h") != cache.Precious {
		t.Fatal("state changed")
	}
}
