package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEvict walks the README's end: a recalled file is DISK_AND_TAPE,
// evicted it is TAPE; what has no other copy, or is pinned, stays.
func TestEvict(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/e/both": []byte("b"), "/e/pinned": []byte("p")})
	e.onTape("TK0002L9", map[string][]byte{"/e/unavailable": []byte("u")})
	e.put("e/precious", []byte("p"))
	id := e.stage(ftsTok, "/e/both", "/e/pinned", "/e/unavailable")
	must(t, e.sched.FinishAll(context.Background()))
	e.status(ftsTok, id)
	e.do("POST", "/api/v1/release/"+id, ftsTok, map[string]any{"paths": []string{"/e/both"}}).want(t, http.StatusOK)
	if got := e.archiveInfo(ftsTok, "/e/both"); got[0].Locality != "DISK_AND_TAPE" {
		t.Fatalf("%+v", got)
	}

	e.do("POST", "/admin/v1/evict", ftsTok, map[string]any{"paths": []string{"/e/both"}}).want(t, http.StatusForbidden)
	var out []struct {
		Path    string
		Evicted bool
		Error   string
	}
	e.do("POST", "/admin/v1/evict/", adminTok, map[string]any{"paths": []string{"/files/e/both", "/e/pinned", "/e/precious", "/e/none", "/e/../x"}}).want(t, http.StatusOK).json(t, &out)
	if len(out) != 5 || !out[0].Evicted || out[0].Path != "/files/e/both" {
		t.Fatalf("%+v", out)
	}
	for i, want := range []string{"", "pinned by fts", "not archived yet", "not on disk", "dot element"} {
		if !strings.Contains(out[i].Error, want) || (i > 0 && out[i].Evicted) {
			t.Errorf("%s: %+v, want %q", out[i].Path, out[i], want)
		}
	}
	if got := e.archiveInfo(ftsTok, "/e/both", "/e/precious"); got[0].Locality != "TAPE" || got[1].Locality != "DISK" {
		t.Fatalf("after evict %+v", got)
	}
	// A disabled volume's file stays on disk: it is the only readable copy.
	e.do("POST", "/api/v1/release/"+id, ftsTok, map[string]any{"paths": []string{"/e/unavailable"}}).want(t, http.StatusOK)
	e.do("POST", "/admin/v1/evict", adminTok, map[string]any{"paths": []string{"/e/unavailable"}}).want(t, http.StatusOK).json(t, &out)
	if out[0].Evicted || !strings.Contains(out[0].Error, "no readable copy on tape") {
		t.Fatalf("%+v", out)
	}
}

func TestAdminReads(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/a/1": []byte("12"), "/a/2": []byte("345")})
	e.put("a/disk", []byte("d"))
	id := e.stage(ftsTok, "/a/1", "/a/disk")

	var cacheStats struct {
		Quota int64
		Files map[string]int
		Bytes map[string]int64
	}
	e.do("GET", "/admin/v1/cache", adminTok, nil).want(t, http.StatusOK).json(t, &cacheStats)
	if cacheStats.Quota != 1<<30 || cacheStats.Files["precious"] != 1 || cacheStats.Bytes["precious"] != 1 {
		t.Fatalf("%+v", cacheStats)
	}
	var pools []map[string]any
	e.do("GET", "/admin/v1/pools", adminTok, nil).want(t, http.StatusOK).json(t, &pools)
	if len(pools) != 1 || pools[0]["pool"] != "p1" || pools[0]["copies"] != float64(2) || pools[0]["volumes"] != float64(3) {
		t.Fatalf("%+v", pools)
	}
	var vol map[string]any
	e.do("GET", "/admin/v1/volumes/"+volActive, adminTok, nil).want(t, http.StatusOK).json(t, &vol)
	if vol["barcode"] != volActive || vol["state"] != "active" || vol["copies"] != float64(2) || vol["copy_bytes"] != float64(5) || vol["last_file_seq"] != float64(2) {
		t.Fatalf("%+v", vol)
	}
	e.do("GET", "/admin/v1/volumes/NOPE01L9", adminTok, nil).want(t, http.StatusNotFound)
	var list []struct {
		ID, Owner string
		Files     int
		States    map[string]int
	}
	e.do("GET", "/admin/v1/stage", adminTok, nil).want(t, http.StatusOK).json(t, &list)
	if len(list) != 1 || list[0].ID != id || list[0].Owner != "fts" || list[0].Files != 2 ||
		!cmp.Equal(list[0].States, map[string]int{"SUBMITTED": 1, "COMPLETED": 1}) {
		t.Fatalf("%+v", list)
	}
	e.do("GET", "/admin/v1/stage", ftsTok, nil).want(t, http.StatusForbidden)
}
