package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/internal/pgtest"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// These tests run the whole program over real HTTP with its tape side: a
// simulated library on a real clock, 3000 times faster than a real one.
const fastSim = "3000"

const testToken = "tape-token-0123456789abcdef"

// client speaks to a running server with the admin token.
type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, body string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// stageAndRead stages path back from tape, waits up to within for the
// request to complete, reads the file and checks it is data. It returns
// the stage request's id.
func (c client) stageAndRead(path string, data []byte, within time.Duration) string {
	c.t.Helper()
	code, b := c.do("POST", "/api/v1/stage", `{"files":[{"path":"`+path+`"}]}`)
	id := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(b)
	if code != http.StatusCreated || id == nil {
		c.t.Fatalf("stage %s: %d %s", path, code, b)
	}
	until(c.t, within, "stage of "+path+" COMPLETED", func() bool {
		_, b := c.do("GET", "/api/v1/stage/"+id[1], "")
		if strings.Contains(b, `"FAILED"`) {
			c.t.Fatalf("stage of %s failed: %s", path, b)
		}
		return strings.Contains(b, `"state":"COMPLETED"`)
	})
	if code, got := c.do("GET", "/files"+path, ""); code != http.StatusOK || got != string(data) {
		c.t.Fatalf("GET %s: %d, %d bytes, want %d identical", path, code, len(got), len(data))
	}
	return id[1]
}

// until polls f every 20 ms until it returns true, for at most d.
func until(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !f(); {
		if time.Now().After(end) {
			t.Fatalf("%s: not after %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The README's walk-through, as a test: PUT, archived (DISK_AND_TAPE),
// evicted (TAPE), staged back from tape (COMPLETED), read whole,
// released.
func TestWalkThroughOnTheLibrary(t *testing.T) {
	walkThrough(t, "-data", t.TempDir(), "-sim-speed", fastSim)
}

// The same walk-through with the catalog and the queue in PostgreSQL
// (-catalog postgres://…), on a throwaway server.
func TestWalkThroughOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	dsn, err := pgtest.Require(t).NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	walkThrough(t, "-data", t.TempDir(), "-sim-speed", fastSim, "-catalog", dsn)
}

func walkThrough(t *testing.T, args ...string) {
	t.Setenv(tokenEnv, testToken)
	addr, _, stop := start(t, args...)
	defer stop()
	c := client{t, "http://" + addr}
	data := bytes.Repeat([]byte("tapekit walk-through "), 50_000)
	if code, b := c.do("PUT", "/files/demo/myfile", string(data)); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, b)
	}
	info := func() string {
		_, b := c.do("POST", "/api/v1/archiveinfo", `{"paths":["/demo/myfile"]}`)
		return b
	}
	until(t, 20*time.Second, "archived", func() bool { return strings.Contains(info(), "DISK_AND_TAPE") })
	if code, b := c.do("POST", "/admin/v1/evict", `{"paths":["/demo/myfile"]}`); code != http.StatusOK || !strings.Contains(b, `"evicted":true`) {
		t.Fatalf("evict: %d %s", code, b)
	}
	if b := info(); !strings.Contains(b, `"locality":"TAPE"`) {
		t.Fatalf("after evict: %s", b)
	}
	id := c.stageAndRead("/demo/myfile", data, 30*time.Second)
	if code, b := c.do("POST", "/api/v1/release/"+id, `{"paths":["/demo/myfile"]}`); code != http.StatusOK {
		t.Fatalf("release: %d %s", code, b)
	}
	// The admin API's view of the tape side: four drives up; nothing
	// left in the queue.
	if code, b := c.do("GET", "/admin/v1/drives", ""); code != http.StatusOK || strings.Count(b, `"up":true`) != 4 {
		t.Errorf("drives: %d %s", code, b)
	}
	until(t, 10*time.Second, "empty queue", func() bool {
		_, b := c.do("GET", "/admin/v1/queue", "")
		return strings.TrimSpace(b) == "[]"
	})
	// The tape side in /metrics: what was written and read, and the
	// batches that did it.
	_, m := c.do("GET", "/metrics", "")
	sum := func(metric string) float64 {
		var total float64
		for _, line := range strings.Split(m, "\n") {
			if strings.HasPrefix(line, metric) {
				var v float64
				fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
				total += v
			}
		}
		return total
	}
	if sum("hsm_drive_mounts_total") < 1 || sum("hsm_drive_written_bytes_total") < float64(len(data)) ||
		sum("hsm_drive_read_bytes_total") < float64(len(data)) || sum(`hsm_tape_batches_total{activity="default",kind="archive"}`) < 1 ||
		sum(`hsm_tape_batches_total{activity="default",kind="recall"}`) < 1 || sum(`hsm_drive_up{drive="drive0"}`) != 1 {
		t.Errorf("tape metrics:\n%s", grepLines(m, "hsm_drive", "hsm_tape"))
	}
}

// grepLines keeps the lines of s that start with one of the prefixes.
func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}

// A stage request of 1,000 files spread over 20 tapes recalls every file
// whole and mounts each tape once.
func TestRecall1000From20Tapes(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 files")
	}
	t.Setenv(tokenEnv, testToken)
	dir := t.TempDir()
	const tapes, per = 20, 50
	// Lay out the tapes and the catalog before the first start, as a
	// site that has data on tape does.
	cfg := simulator.DefaultConfig()
	cfg.Slots = tapes + 4
	cfg.Cartridges = nil
	var vols []workload.Volume
	var paths []string
	seed := uint64(1)
	for i := range tapes {
		bc := fmt.Sprintf("RC%04dL9", i)
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: bc, Slot: i + 1})
		v := workload.Volume{Barcode: bc}
		for j := range per {
			p := fmt.Sprintf("/run/t%02d/f%03d", i, j)
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: p, Size: 20_000 + int64(j)}, Seed: seed})
			seed++
			paths = append(paths, p)
		}
		vols = append(vols, v)
	}
	lib, err := simulator.Open(filepath.Join(dir, "library"), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.PutPool(ctx, catalog.Pool{Name: demoPool}); err != nil {
		t.Fatal(err)
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: demoClass, Pools: []string{demoPool}}); err != nil {
		t.Fatal(err)
	}
	if _, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: demoPool, StorageClass: demoClass, Library: "demo"}, nil); err != nil {
		t.Fatal(err)
	}
	cat.Close()
	lib.Close()
	files := map[string]workload.File{}
	for _, v := range vols {
		for _, f := range v.Files {
			files[f.Path] = f
		}
	}

	addr, _, stop := start(t, "-data", dir, "-sim-speed", fastSim)
	c := client{t, "http://" + addr}
	var body struct {
		Files []map[string]string `json:"files"`
	}
	for _, p := range paths {
		body.Files = append(body.Files, map[string]string{"path": p})
	}
	req, _ := json.Marshal(body)
	code, b := c.do("POST", "/api/v1/stage", string(req))
	id := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(b)
	if code != http.StatusCreated || id == nil {
		t.Fatalf("stage: %d %s", code, b)
	}
	if _, b := c.do("GET", "/admin/v1/queue", ""); !strings.Contains(b, `"kind":"recall"`) {
		t.Errorf("queue right after the stage request: %.500s", b)
	}
	until(t, 60*time.Second, "1,000 files COMPLETED", func() bool {
		_, b := c.do("GET", "/api/v1/stage/"+id[1], "")
		if strings.Contains(b, `"FAILED"`) {
			t.Fatalf("a file failed: %.2000s", b)
		}
		return strings.Count(b, `"state":"COMPLETED"`) == len(paths)
	})
	for _, p := range []string{paths[0], paths[len(paths)/2], paths[len(paths)-1]} {
		f := files[p]
		want := make([]byte, f.Size)
		f.Data().ReadAt(want, 0)
		if code, got := c.do("GET", "/files"+p, ""); code != http.StatusOK || got != string(want) {
			t.Errorf("GET %s: %d, %d bytes, want %d identical", p, code, len(got), len(want))
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lib, err = simulator.Open(filepath.Join(dir, "library"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	for _, ci := range lib.Cartridges() {
		if strings.HasPrefix(ci.Barcode, "RC") && ci.Mounts != 1 {
			t.Errorf("%s mounted %d times, want once", ci.Barcode, ci.Mounts)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "cache")); err != nil {
		t.Error(err)
	}
}

// A repack through the admin API: the files archived on a volume move to
// the spare pool; the repack reports done with nothing left; the old
// volume is disabled; the files stage back from the new volume whole. A
// second start of a running repack is refused (409), an unknown volume
// is 404.
func TestRepackThroughAdmin(t *testing.T) {
	t.Setenv(tokenEnv, testToken)
	addr, _, stop := start(t, "-data", t.TempDir(), "-sim-speed", fastSim)
	defer stop()
	c := client{t, "http://" + addr}
	contents := map[string]string{}
	for i := range 3 {
		p := fmt.Sprintf("/rp/f%d", i)
		contents[p] = strings.Repeat(p, 30_000+i)
		if code, b := c.do("PUT", "/files"+p, contents[p]); code != http.StatusCreated {
			t.Fatalf("PUT: %d %s", code, b)
		}
	}
	paths := `{"paths":["/rp/f0","/rp/f1","/rp/f2"]}`
	until(t, 20*time.Second, "archived", func() bool {
		_, b := c.do("POST", "/api/v1/archiveinfo", paths)
		return strings.Count(b, "DISK_AND_TAPE") == 3
	})
	// A volume the files went to, and how many it holds.
	vol, n := "", ""
	for i := 1; i <= 12 && vol == ""; i++ {
		bc := fmt.Sprintf("TK%04dL9", i)
		_, b := c.do("GET", "/admin/v1/volumes/"+bc, "")
		if m := regexp.MustCompile(`"copies":([1-9])`).FindStringSubmatch(b); m != nil {
			vol, n = bc, m[1]
		}
	}
	if vol == "" {
		t.Fatal("no volume holds a copy")
	}
	code, b := c.do("POST", "/admin/v1/repack", `{"volume":"`+vol+`","pool":"spare"}`)
	if code != http.StatusCreated || !strings.Contains(b, `"files":`+n) {
		t.Fatalf("start: %d %s", code, b)
	}
	if code, b := c.do("POST", "/admin/v1/repack", `{"volume":"`+vol+`","pool":"spare"}`); code != http.StatusConflict && !strings.Contains(b, `"state":"done"`) {
		t.Errorf("second start: %d %s", code, b)
	}
	// The rest of pool "tape", by pool: the volumes still holding copies.
	if code, b := c.do("POST", "/admin/v1/repack", `{"from_pool":"tape","media_type":"LTO-9","pool":"spare"}`); code != http.StatusCreated || strings.Contains(b, `"volume":"`+vol+`"`) {
		t.Errorf("repack of the pool: %d %s", code, b)
	}
	if code, _ := c.do("GET", "/admin/v1/repack/NOSUCH", ""); code != http.StatusNotFound {
		t.Errorf("unknown volume: %d", code)
	}
	until(t, 30*time.Second, "repack done", func() bool {
		_, b := c.do("GET", "/admin/v1/repack/"+vol, "")
		return strings.Contains(b, `"state":"done"`) && strings.Contains(b, `"files_left":0`)
	})
	if _, b := c.do("GET", "/admin/v1/volumes/"+vol, ""); !strings.Contains(b, `"state":"disabled"`) || !strings.Contains(b, `"copies":0`) {
		t.Errorf("old volume after the repack: %s", b)
	}
	if _, b := c.do("GET", "/admin/v1/repack", ""); !strings.Contains(b, vol) {
		t.Errorf("repack list: %s", b)
	}
	if code, b := c.do("POST", "/admin/v1/evict", paths); code != http.StatusOK || strings.Count(b, `"evicted":true`) != 3 {
		t.Fatalf("evict: %d %s", code, b)
	}
	code, b = c.do("POST", "/api/v1/stage", `{"files":[{"path":"/rp/f0"},{"path":"/rp/f1"},{"path":"/rp/f2"}]}`)
	id := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(b)
	if code != http.StatusCreated || id == nil {
		t.Fatalf("stage: %d %s", code, b)
	}
	var last string
	defer func() {
		if t.Failed() {
			_, jobs := c.do("GET", "/admin/v1/repack", "")
			t.Logf("last stage status: %s\nrepacks: %s", last, jobs)
		}
	}()
	until(t, 30*time.Second, "staged from the new volume", func() bool {
		_, b := c.do("GET", "/api/v1/stage/"+id[1], "")
		last = b
		if strings.Contains(b, "FAILED") {
			t.Fatalf("stage: %s", b)
		}
		return strings.Count(b, "COMPLETED") == 3
	})
	for p, want := range contents {
		if code, got := c.do("GET", "/files"+p, ""); code != http.StatusOK || got != want {
			t.Errorf("GET %s: %d, %d bytes", p, code, len(got))
		}
	}
}
