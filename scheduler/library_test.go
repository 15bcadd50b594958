package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// twoLibraries is one catalog and queue that two hosts share, each with
// a library of its own: libA holds T00000L9, T00001L9 and the blank
// T00005L9; libB holds T00002L9, T00003L9 and the blank T00004L9. The
// cartridges all sit in one simulated library with one drive per host,
// but a host mounts only what the catalog places in its library.
type twoLibraries struct {
	vc    *vclock.Clock
	lib   *simulator.Library
	cat   store
	files map[int64]workload.File
	libOf map[int64]string // file id → the library of its copy
}

func newTwoLibraries(t *testing.T) *twoLibraries {
	t.Helper()
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	cfg := &simulator.Config{Slots: 8}
	for range 2 {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i := range 6 {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("T%05dL9", i), Slot: i + 1})
	}
	vc := vclock.New(simulator.Epoch, nil)
	lib, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	for _, p := range []string{"p", "out"} {
		if err := cat.PutPool(ctx, catalog.Pool{Name: p}); err != nil {
			t.Fatal(err)
		}
	}
	for name, pool := range map[string]string{"c": "p", "arch": "out"} {
		if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: name, Pools: []string{pool}}); err != nil {
			t.Fatal(err)
		}
	}
	tl := &twoLibraries{vc: vc, lib: lib, cat: cat, files: map[int64]workload.File{}, libOf: map[int64]string{}}
	seed := uint64(1)
	for li, name := range []string{"libA", "libB"} {
		var vols []workload.Volume
		for i := 2 * li; i < 2*li+2; i++ {
			v := workload.Volume{Barcode: fmt.Sprintf("T%05dL9", i)}
			for j := range 3 {
				v.Files = append(v.Files, workload.File{Seed: seed,
					Meta: format.Meta{Path: fmt.Sprintf("/exp/%s/f%d", v.Barcode, j), Size: int64(200<<10 + j*1000)}})
				seed++
			}
			vols = append(vols, v)
		}
		recs, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: "p", StorageClass: "c", Library: name}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vols {
			for j, rec := range recs[i] {
				id, _ := strconv.ParseInt(rec.FileID, 10, 64)
				tl.files[id], tl.libOf[id] = v.Files[j], name
			}
		}
		m, _ := simulator.LookupMedia("LTO-9")
		bc := fmt.Sprintf("T%05dL9", 5-li) // B's blank sorts first: reserving any volume would hand A the wrong one
		if err := cat.AddVolume(ctx, catalog.Volume{Barcode: bc, MediaType: "LTO-9", Library: name, Pool: "out", State: catalog.StateActive, Capacity: m.Capacity}); err != nil {
			t.Fatal(err)
		}
	}
	return tl
}

// host is one scheduler of a twoLibraries.
type libHost struct {
	name, library string
	s             *scheduler.Scheduler
	sink          *scheduler.MemorySink
}

// run starts one scheduler per library, the first on drive 0, calls
// submit, and waits until want requests have ended. It returns the hosts
// and, per request id, the hosts that ended it.
func (tl *twoLibraries) run(t *testing.T, want int, src memSource, accept func(host string) func(scheduler.Request) bool,
	submit func(ctx context.Context, a, b *libHost)) (map[int64][]string, map[int64]scheduler.Request) {
	t.Helper()
	var mu sync.Mutex
	ends := map[int64][]string{}
	ended := map[int64]scheduler.Request{}
	var hosts []*libHost
	for i, name := range []string{"libA", "libB"} {
		d, err := tl.lib.Drive(i)
		if err != nil {
			t.Fatal(err)
		}
		h := &libHost{name: "host-" + name, library: name,
			sink: scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: tl.vc, Keep: true})}
		cfg := scheduler.Config{Catalog: tl.cat, Queue: tl.cat, Changer: tl.lib.Changer(), Clock: tl.vc,
			Drives: []scheduler.Drive{{Name: fmt.Sprintf("d%d", i), Drive: d, Element: tl.lib.DriveAddress(i)}},
			Sink:   h.sink, Source: src, Host: h.name, Library: name, Policy: scheduler.PolicyByVolume(),
			OnEnd: func(q scheduler.Request) {
				mu.Lock()
				defer mu.Unlock()
				ends[q.ID] = append(ends[q.ID], h.name)
				ended[q.ID] = q
			}}
		if accept != nil {
			cfg.Accept = accept(h.name)
		}
		if h.s, err = scheduler.New(cfg); err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pctx, leave := tl.vc.Join(ctx, "main")
	for _, h := range hosts {
		tl.vc.Go(pctx, "run", func(ctx context.Context) {
			if err := h.s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s: Run = %v", h.name, err)
			}
		})
	}
	tl.vc.Go(pctx, "client", func(ctx context.Context) {
		submit(ctx, hosts[0], hosts[1])
		for {
			mu.Lock()
			n := len(ended)
			mu.Unlock()
			if n >= want {
				break
			}
			if err := tl.vc.SleepContext(ctx, 5*time.Second); err != nil {
				t.Errorf("%d of %d requests ended: %v", n, want, err)
				break
			}
		}
		cancel()
	})
	leave()
	tl.vc.Wait()
	return ends, ended
}

// Recalls all submitted through host A are each run by the host whose
// library holds the copy, exactly once, and arrive whole in that host's
// sink; archives through either host land on volumes of the host that
// wrote them.
func TestTwoLibrariesEachMountsItsOwn(t *testing.T) {
	tl := newTwoLibraries(t)
	src := memSource{}
	var news []catalog.File
	for i := range 4 {
		data := bytes.Repeat([]byte{byte(i + 7)}, 100<<10+i)
		p := fmt.Sprintf("/new/f%d", i)
		src[p] = data
		news = append(news, catalog.File{Path: p, Size: int64(len(data)), StorageClass: "arch",
			Checksums: map[string]string{"adler32": adler(data)}})
	}
	news, err := tl.cat.CreateFiles(context.Background(), news)
	if err != nil {
		t.Fatal(err)
	}
	want := len(tl.files) + len(news)
	ends, ended := tl.run(t, want, src, nil, func(ctx context.Context, a, b *libHost) {
		var rs []scheduler.Request
		for id := range tl.files {
			rs = append(rs, scheduler.Request{Kind: scheduler.Recall, FileID: id, Group: "g"})
		}
		got, err := a.s.Submit(ctx, rs...)
		if err != nil {
			t.Error(err)
			return
		}
		for _, q := range got {
			if q.State != scheduler.Queued {
				t.Errorf("recall of file %d: submitted %v (%s), want queued", q.FileID, q.State, q.Reason)
			}
		}
		for i, f := range news {
			through := a
			if i%2 == 1 {
				through = b
			}
			if _, err := through.s.Submit(ctx, scheduler.Request{Kind: scheduler.Archive, FileID: f.ID, Path: f.Path, Size: f.Size, StorageClass: "arch"}); err != nil {
				t.Error(err)
			}
		}
	})
	ctx := context.Background()
	libOfHost := map[string]string{"host-libA": "libA", "host-libB": "libB"}
	for id, q := range ended {
		if q.State != scheduler.Done {
			t.Errorf("request %d (%v of file %d): %v %s", id, q.Kind, q.FileID, q.State, q.Reason)
		}
		if len(ends[id]) != 1 {
			t.Errorf("request %d ended by %v, want one host", id, ends[id])
			continue
		}
		host := ends[id][0]
		if q.Kind == scheduler.Recall {
			if lib := tl.libOf[q.FileID]; libOfHost[host] != lib {
				t.Errorf("file %d, on a volume of %s, recalled by %s", q.FileID, lib, host)
			}
			continue
		}
		cs, err := tl.cat.Copies(ctx, q.FileID)
		if err != nil || len(cs) != 1 {
			t.Fatalf("copies of file %d: %v, %v", q.FileID, cs, err)
		}
		v, err := tl.cat.Volume(ctx, cs[0].Volume)
		if err != nil || v.Library != libOfHost[host] {
			t.Errorf("file %d archived by %s to %s of library %q (%v)", q.FileID, host, v.Barcode, v.Library, err)
		}
	}
	if len(ended) != want {
		t.Errorf("%d requests ended, want %d", len(ended), want)
	}
}

// With Accept, a host runs only what it accepts: a recall submitted
// through A for B that only B's library can serve is run by B; one A
// accepts but cannot serve fails at once, saying where the copies are.
func TestTwoLibrariesAccept(t *testing.T) {
	tl := newTwoLibraries(t)
	accept := func(host string) func(scheduler.Request) bool {
		return func(q scheduler.Request) bool { return q.Requester == host }
	}
	var onB, stray int64
	for id, lib := range tl.libOf {
		if lib == "libB" {
			if onB == 0 {
				onB = id
			} else if stray == 0 {
				stray = id
			}
		}
	}
	var strayGot scheduler.Request
	ends, ended := tl.run(t, 2, memSource{}, accept, func(ctx context.Context, a, b *libHost) {
		got, err := a.s.Submit(ctx,
			scheduler.Request{Kind: scheduler.Recall, FileID: onB, Requester: "host-libB"},
			scheduler.Request{Kind: scheduler.Recall, FileID: stray, Requester: "host-libA"})
		if err != nil {
			t.Error(err)
			return
		}
		if got[0].State != scheduler.Queued {
			t.Errorf("recall for B through A: %v %s, want queued", got[0].State, got[0].Reason)
		}
		strayGot = got[1]
	})
	if strayGot.State != scheduler.Failed || !strings.Contains(strayGot.Reason, "no copy in library libA") || !strings.Contains(strayGot.Reason, "in library libB") {
		t.Errorf("recall A accepts of a file only in libB: %v %q, want failed saying where its copy is", strayGot.State, strayGot.Reason)
	}
	for id, q := range ended {
		if q.FileID == onB && (q.State != scheduler.Done || len(ends[id]) != 1 || ends[id][0] != "host-libB") {
			t.Errorf("recall for B: %v %s, ended by %v; want done by host-libB", q.State, q.Reason, ends[id])
		}
	}
	if len(ended) != 2 {
		t.Errorf("%d requests ended, want 2", len(ended))
	}
}
