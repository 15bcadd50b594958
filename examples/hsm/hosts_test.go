package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog/postgres"
	"github.com/tapekit/tapekit/internal/pgtest"
)

// TestTwoHostsSharePostgres starts two HSM processes on loopback against
// one throwaway PostgreSQL catalog and queue, each with its own library
// (barcodes AA… and BB…), drives and cache. Files put through each host
// are archived by that host to its own cartridges, evicted, staged back
// through the same host and read whole; neither host runs the other's
// requests. Through the other host, archiveinfo says the file is on tape
// (the catalog is shared) and a stage fails at once, saying which library
// has the copy.
func TestTwoHostsSharePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and two servers")
	}
	ctx := context.Background()
	dsn, err := pgtest.Require(t).NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type host struct{ name, lib, prefix, addr string }
	hosts := []*host{{"a", "lib-a", "AA", ""}, {"b", "lib-b", "BB", ""}}
	for _, h := range hosts {
		_, h.addr = child(t, t.TempDir(), "-catalog", dsn, "-host", h.name, "-library", h.lib, "-sim-barcodes", h.prefix, "-sim-speed", "300")
	}
	do := func(h *host, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+h.addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer kill-token-0123456789abcdef")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	content := func(p string) string { return strings.Repeat(p+" ", 5000) }
	files := map[*host][]string{}
	for i := range 12 {
		h := hosts[i%2]
		p := fmt.Sprintf("/two/%s/f%02d", h.name, i)
		if c, b := do(h, "PUT", "/files"+p, content(p)); c != http.StatusCreated {
			t.Fatalf("PUT %s through %s: %d %s", p, h.name, c, b)
		}
		files[h] = append(files[h], p)
	}
	quoted := func(ps []string) string { return `"` + strings.Join(ps, `","`) + `"` }
	waitFor := func(what string, cond func() (bool, string)) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			ok, last := cond()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %s", what, last)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, h := range hosts {
		waitFor("archived through "+h.name, func() (bool, string) {
			_, b := do(h, "POST", "/api/v1/archiveinfo", `{"paths":[`+quoted(files[h])+`]}`)
			return strings.Count(b, `"DISK_AND_TAPE"`) == len(files[h]), b
		})
		if c, b := do(h, "POST", "/admin/v1/evict", `{"paths":[`+quoted(files[h])+`]}`); c != http.StatusOK {
			t.Fatalf("evict through %s: %d %s", h.name, c, b)
		}
	}
	// Each host wrote its own cartridges only.
	cat, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	for _, h := range hosts {
		for _, p := range files[h] {
			f, err := cat.FileByPath(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := cat.Copies(ctx, f.ID)
			if err != nil || len(cs) != 1 || !strings.HasPrefix(cs[0].Volume, h.prefix) {
				t.Errorf("%s, put through %s: copies %+v (%v), want one on a cartridge %s…", p, h.name, cs, err, h.prefix)
			}
		}
	}
	// Stage through both hosts at once.
	ids := map[*host]string{}
	for _, h := range hosts {
		var fs []string
		for _, p := range files[h] {
			fs = append(fs, `{"path":"`+p+`"}`)
		}
		c, b := do(h, "POST", "/api/v1/stage", `{"files":[`+strings.Join(fs, ",")+`]}`)
		m := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(b)
		if c != http.StatusCreated || m == nil {
			t.Fatalf("stage through %s: %d %s", h.name, c, b)
		}
		ids[h] = m[1]
	}
	for _, h := range hosts {
		waitFor("stage through "+h.name, func() (bool, string) {
			_, b := do(h, "GET", "/api/v1/stage/"+ids[h], "")
			if strings.Contains(b, `"FAILED"`) {
				t.Fatalf("stage through %s: %s", h.name, b)
			}
			return strings.Count(b, `"COMPLETED"`) == len(files[h]), b
		})
		for _, p := range files[h] {
			if c, b := do(h, "GET", "/files"+p, ""); c != http.StatusOK || b != content(p) {
				t.Errorf("GET %s through %s after the recall: %d, %d bytes, want %d", p, h.name, c, len(b), len(content(p)))
			}
		}
	}
	// Every request ended, and none ran twice or on the other host.
	pend, err := cat.PendingEntries(ctx, 0, 0)
	if err != nil || len(pend) != 0 {
		t.Errorf("%d requests not ended (%v): %+v", len(pend), err, pend)
	}
	for _, h := range hosts {
		es, err := cat.GroupEntries(ctx, ids[h])
		if err != nil || len(es) != len(files[h]) {
			t.Fatalf("recalls of %s's stage request: %d (%v), want %d", h.name, len(es), err, len(files[h]))
		}
		for _, e := range es {
			if e.State != "done" || e.Attempts != 1 || !strings.HasPrefix(e.Volume, h.prefix) || !strings.HasSuffix(e.Requester, "@"+h.name) {
				t.Errorf("recall %d of %s: %s after %d attempts on %s for %q, want done once on a %s… cartridge", e.ID, h.name, e.State, e.Attempts, e.Volume, e.Requester, h.prefix)
			}
		}
	}
	// Through the other host: on tape, and not recallable there.
	a, b := hosts[0], hosts[1]
	if _, info := do(a, "POST", "/api/v1/archiveinfo", `{"paths":["`+files[b][0]+`"]}`); !strings.Contains(info, `"TAPE"`) {
		t.Errorf("archiveinfo through a of a file of b: %s, want TAPE", info)
	}
	c, body := do(a, "POST", "/api/v1/stage", `{"files":[{"path":"`+files[b][0]+`"}]}`)
	m := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(body)
	if c != http.StatusCreated || m == nil {
		t.Fatalf("stage through a of a file of b: %d %s", c, body)
	}
	waitFor("the stage through a of a file of b", func() (bool, string) {
		_, st := do(a, "GET", "/api/v1/stage/"+m[1], "")
		return strings.Contains(st, `"FAILED"`) && strings.Contains(st, "in library lib-b"), st
	})
}
