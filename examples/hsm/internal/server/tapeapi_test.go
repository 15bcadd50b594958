package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/scheduler"
)

func TestWellKnown(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []string{"/.well-known/wlcg-tape-rest-api", "/.well-known/wlcg-tape-rest-api/"} {
		var doc struct {
			SiteName  string `json:"sitename"`
			Endpoints []struct {
				URI, Version string
			}
		}
		// No token needed: discovery comes before credentials.
		e.do("GET", p, "", nil).want(t, http.StatusOK).json(t, &doc)
		if doc.SiteName != "test-site" || len(doc.Endpoints) != 1 || doc.Endpoints[0].URI != e.hs.URL+"/api/v1" || doc.Endpoints[0].Version != "v1" {
			t.Fatalf("%s: %+v", p, doc)
		}
	}
	// A configured base URL wins over the Host header (a proxy in front).
	e2 := newEnv(t, func(c *serverConfig) { c.BaseURL = "https://hsm.example.org:8443/" })
	var doc struct{ Endpoints []struct{ URI string } }
	e2.do("GET", "/.well-known/wlcg-tape-rest-api", "", nil).want(t, http.StatusOK).json(t, &doc)
	if doc.Endpoints[0].URI != "https://hsm.example.org:8443/api/v1" {
		t.Fatalf("uri %q", doc.Endpoints[0].URI)
	}
}

// TestStageRecall walks the README's path: a file only on tape is staged,
// polled until COMPLETED, read, and released.
func TestStageRecall(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/exp/a.dat": []byte("aaa"), "/exp/b c.dat": []byte("bbb")})
	if got := e.archiveInfo(ftsTok, "/exp/a.dat"); got[0].Locality != "TAPE" {
		t.Fatalf("archiveinfo %+v", got)
	}

	// Trailing slash on the endpoint; one path as a file URL path, one
	// bare; the second percent-encoded with a doubled slash.
	r := e.do("POST", "/api/v1/stage/", ftsTok, map[string]any{"files": []map[string]any{
		{"path": "/files/exp/a.dat", "diskLifetime": 3600},
		{"path": "/exp//b%20c.dat", "diskLifetime": "P1D", "targetedMetadata": map[string]any{"test-site": map[string]any{"x": 1}}},
	}}).want(t, http.StatusCreated)
	var created struct{ RequestID string }
	r.json(t, &created)
	id := created.RequestID

	st := e.status(ftsTok, id)
	if st.ID != id || st.CreatedAt == 0 || st.StartedAt == 0 || st.CompletedAt != 0 {
		t.Fatalf("status %+v", st)
	}
	want := []stageFile{{Path: "/files/exp/a.dat", State: "SUBMITTED"}, {Path: "/exp/b%20c.dat", State: "SUBMITTED"}}
	if diff := cmp.Diff(want, st.Files); diff != "" {
		t.Fatal(diff)
	}
	// One recall per file, grouped under the request id.
	reqs := e.sched.Requests()
	if len(reqs) != 2 || reqs[0].Group != id || reqs[1].Group != id || reqs[0].Kind != scheduler.Recall || reqs[0].Requester != "fts" {
		t.Fatalf("recalls %+v", reqs)
	}
	a, b := e.recallOf("/exp/a.dat"), e.recallOf("/exp/b c.dat")
	if a.Size != 3 || a.FileID == 0 || b.Path != "/exp/b c.dat" {
		t.Fatalf("recall of a: %+v; of b: %+v", a, b)
	}

	must(t, e.sched.Start(a.ID))
	if got := e.states(ftsTok, id+"/"); got["/files/exp/a.dat"] != "STARTED" || got["/exp/b%20c.dat"] != "SUBMITTED" {
		t.Fatalf("states %v", got)
	}
	must(t, e.sched.Finish(context.Background(), a.ID, scheduler.Done, ""))
	st = e.status(ftsTok, id)
	if f := st.Files[0]; f.State != "COMPLETED" || !f.OnDisk || f.StartedAt == 0 || f.FinishedAt == 0 {
		t.Fatalf("a after its recall: %+v", f)
	}
	if st.CompletedAt != 0 {
		t.Fatal("completed with a file still waiting")
	}
	// The recalled file is pinned for its lifetime by the client.
	info, err := e.cache.Stat("exp/a.dat")
	must(t, err)
	if len(info.Pins) != 1 || info.Pins[0].Owner != "fts" || info.Pins[0].ID != id || time.Until(info.Pins[0].Expires) > time.Hour || time.Until(info.Pins[0].Expires) < 59*time.Minute {
		t.Fatalf("pins %+v", info.Pins)
	}
	if got := e.archiveInfo(ftsTok, "/exp/a.dat"); got[0].Locality != "DISK_AND_TAPE" {
		t.Fatalf("archiveinfo after the recall %+v", got)
	}
	if got := e.do("GET", "/files/exp/a.dat", ftsTok, nil).want(t, http.StatusOK).body; string(got) != "aaa" {
		t.Fatalf("GET %q", got)
	}

	must(t, e.sched.Finish(context.Background(), b.ID, scheduler.Done, ""))
	st = e.status(ftsTok, id)
	if st.CompletedAt == 0 || st.Files[1].State != "COMPLETED" || !st.Files[1].OnDisk {
		t.Fatalf("status %+v", st)
	}
	info, _ = e.cache.Stat("exp/b c.dat")
	if len(info.Pins) != 1 || time.Until(info.Pins[0].Expires) < 23*time.Hour {
		t.Fatalf("P1D pin %+v", info.Pins)
	}

	// Release (trailing slash too) unpins.
	e.do("POST", "/api/v1/release/"+id+"/", ftsTok, map[string]any{"paths": []string{"/files/exp/a.dat", "/exp/b%20c.dat"}}).want(t, http.StatusOK)
	for _, n := range []string{"exp/a.dat", "exp/b c.dat"} {
		info, _ := e.cache.Stat(n)
		if len(info.Pins) != 0 {
			t.Errorf("%s still pinned: %+v", n, info.Pins)
		}
	}
	// Released files stay COMPLETED in the request.
	if got := e.states(ftsTok, id); got["/files/exp/a.dat"] != "COMPLETED" {
		t.Fatalf("after release %v", got)
	}
}

func TestStageWithoutOnEnd(t *testing.T) {
	// A scheduler whose OnEnd never comes: the poll finds the end and pins.
	e := newEnv(t, nil)
	e.sched.SetOnEnd(nil)
	e.onTape(volActive, map[string][]byte{"/x": []byte("x")})
	id := e.stage(ftsTok, "/x")
	must(t, e.sched.FinishAll(context.Background()))
	if got := e.states(ftsTok, id); got["/x"] != "COMPLETED" {
		t.Fatalf("states %v", got)
	}
	info, _ := e.cache.Stat("x")
	if len(info.Pins) != 1 {
		t.Fatalf("not pinned after the poll: %+v", info)
	}
}

func TestStageFilesOnDisk(t *testing.T) {
	e := newEnv(t, nil)
	e.put("disk/only", []byte("d"))
	id := e.stage(ftsTok, "/files/disk/only", "/no/such/file")
	st := e.status(ftsTok, id)
	if f := st.Files[0]; f.State != "COMPLETED" || !f.OnDisk {
		t.Fatalf("on disk: %+v", f)
	}
	if f := st.Files[1]; f.State != "FAILED" || f.OnDisk || !strings.Contains(f.Error, "no such file") {
		t.Fatalf("missing: %+v", f)
	}
	if st.CompletedAt == 0 {
		t.Fatal("not completed")
	}
	if n := len(e.sched.Requests()); n != 0 {
		t.Fatalf("%d recalls submitted for files on disk or absent", n)
	}
	info, _ := e.cache.Stat("disk/only")
	if len(info.Pins) != 1 || info.Pins[0].ID != id {
		t.Fatalf("pins %+v", info.Pins)
	}
}

func TestStageFailures(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/f1": []byte("1"), "/f2": []byte("2")})
	id := e.stage(ftsTok, "/f1", "/f2")
	must(t, e.sched.Finish(context.Background(), e.recallOf("/f1").ID, scheduler.Failed, "media error at block 77 of TK0001L9"))
	// The fake's mover loses the data of f2: the delivery fails.
	e.mu.Lock()
	delete(e.tape, "/f2")
	e.mu.Unlock()
	must(t, e.sched.Finish(context.Background(), e.recallOf("/f2").ID, scheduler.Done, ""))
	st := e.status(ftsTok, id)
	for _, f := range st.Files {
		if f.State != "FAILED" || f.OnDisk || f.Error == "" {
			t.Errorf("%+v", f)
		}
	}
	if !strings.Contains(st.Files[0].Error, "media error at block 77") {
		t.Errorf("error %q", st.Files[0].Error)
	}
	if st.CompletedAt == 0 {
		t.Error("not completed")
	}
}

func TestStageCancel(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/c/1": []byte("1"), "/c/2": []byte("2")})
	id := e.stage(ftsTok, "/c/1", "/c/2")
	r1, r2 := e.recallOf("/c/1"), e.recallOf("/c/2")
	must(t, e.sched.Start(r1.ID))

	// A path that is not in the request refuses the whole call.
	e.do("POST", "/api/v1/stage/"+id+"/cancel", ftsTok, map[string]any{"paths": []string{"/c/1", "/c/3"}}).want(t, http.StatusBadRequest)
	if got := e.states(ftsTok, id); got["/c/1"] != "STARTED" {
		t.Fatalf("a refused cancel changed %v", got)
	}

	// Cancel mid-recall, with a trailing slash.
	e.do("POST", "/api/v1/stage/"+id+"/cancel/", ftsTok, map[string]any{"paths": []string{"/files/c/1"}}).want(t, http.StatusOK)
	if got, _ := e.sched.Get(context.Background(), r1.ID); got.State != scheduler.Cancelled {
		t.Fatalf("recall %+v not cancelled", got)
	}
	st := e.status(ftsTok, id)
	if st.Files[0].State != "CANCELED" || st.Files[1].State != "SUBMITTED" {
		t.Fatalf("states %+v", st.Files)
	}
	must(t, e.sched.Finish(context.Background(), r2.ID, scheduler.Done, ""))
	if got := e.states(ftsTok, id); got["/c/2"] != "COMPLETED" || got["/c/1"] != "CANCELED" {
		t.Fatalf("states %v", got)
	}
	// Cancelling what ended changes nothing.
	e.do("POST", "/api/v1/stage/"+id+"/cancel", ftsTok, map[string]any{"paths": []string{"/c/2"}}).want(t, http.StatusOK)
	if got := e.states(ftsTok, id); got["/c/2"] != "COMPLETED" {
		t.Fatalf("states %v", got)
	}
}

// TestStageShared: two requests for one file share one recall, and one
// cancelling does not take the file from the other.
func TestStageShared(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/s": []byte("s")})
	id1 := e.stage(ftsTok, "/s")
	id2 := e.stage(otherTok, "/files/s")
	if n := len(e.sched.Requests()); n != 1 {
		t.Fatalf("%d recalls for one file", n)
	}
	e.do("DELETE", "/api/v1/stage/"+id1, ftsTok, nil).want(t, http.StatusOK)
	e.do("GET", "/api/v1/stage/"+id1, ftsTok, nil).want(t, http.StatusNotFound)
	if c, g := e.sched.Cancels(); c+g != 0 {
		t.Fatalf("a shared recall was cancelled (%d, %d)", c, g)
	}
	must(t, e.sched.FinishAll(context.Background()))
	if got := e.states(otherTok, id2); got["/files/s"] != "COMPLETED" {
		t.Fatalf("states %v", got)
	}
	info, _ := e.cache.Stat("s")
	if len(info.Pins) != 1 || info.Pins[0].Owner != "other" {
		t.Fatalf("pins %+v", info.Pins)
	}
	// A new request once the recall ended is served from disk.
	id3 := e.stage(ftsTok, "/s")
	if got := e.states(ftsTok, id3); got["/s"] != "COMPLETED" || len(e.sched.Requests()) != 1 {
		t.Fatalf("states %v, %d recalls", got, len(e.sched.Requests()))
	}
}

func TestStageDelete(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/d/1": []byte("1"), "/d/2": []byte("2")})
	e.put("d/disk", []byte("3"))
	id := e.stage(ftsTok, "/d/1", "/d/2", "/d/disk")
	must(t, e.sched.Finish(context.Background(), e.recallOf("/d/1").ID, scheduler.Done, ""))
	e.do("DELETE", "/api/v1/stage/"+id+"/", ftsTok, nil).want(t, http.StatusOK)
	// The recall still waiting went with one CancelGroup.
	if got, _ := e.sched.Get(context.Background(), e.recallOf("/d/2").ID); got.State != scheduler.Cancelled {
		t.Fatalf("recall %+v", got)
	}
	if c, g := e.sched.Cancels(); c != 0 || g != 1 {
		t.Fatalf("cancels %d, groups %d", c, g)
	}
	for _, n := range []string{"d/1", "d/disk"} {
		if info, _ := e.cache.Stat(n); len(info.Pins) != 0 {
			t.Errorf("%s pinned after DELETE: %+v", n, info.Pins)
		}
	}
	e.do("GET", "/api/v1/stage/"+id, ftsTok, nil).want(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/stage/"+id, ftsTok, nil).want(t, http.StatusNotFound)
	e.do("POST", "/api/v1/stage/"+id+"/cancel", ftsTok, map[string]any{"paths": []string{"/d/1"}}).want(t, http.StatusNotFound)
}

// TestReleaseUnknownID: a client that lost its request id releases with a
// placeholder; its pins on those paths go, another client's stay.
func TestReleaseUnknownID(t *testing.T) {
	e := newEnv(t, nil)
	e.put("r/f", []byte("f"))
	e.stage(ftsTok, "/r/f")
	e.stage(ftsTok, "/r/f")
	e.stage(otherTok, "/r/f")
	info, _ := e.cache.Stat("r/f")
	if len(info.Pins) != 3 {
		t.Fatalf("pins %+v", info.Pins)
	}
	e.do("POST", "/api/v1/release/00000000-0000-0000-0000-000000000000", ftsTok, map[string]any{"paths": []string{"/files/r/f"}}).want(t, http.StatusOK)
	info, _ = e.cache.Stat("r/f")
	if len(info.Pins) != 1 || info.Pins[0].Owner != "other" {
		t.Fatalf("pins after release %+v", info.Pins)
	}
	// A path that is not cached at all: nothing to do, still 200.
	e.do("POST", "/api/v1/release/x", ftsTok, map[string]any{"paths": []string{"/not/here"}}).want(t, http.StatusOK)
}

func TestReleaseBeforeRecallEnds(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/early": []byte("e")})
	id := e.stage(ftsTok, "/early")
	e.do("POST", "/api/v1/release/"+id, ftsTok, map[string]any{"paths": []string{"/early"}}).want(t, http.StatusOK)
	must(t, e.sched.FinishAll(context.Background()))
	info, err := e.cache.Stat("early")
	must(t, err)
	if len(info.Pins) != 0 {
		t.Fatalf("a released file was pinned when its recall ended: %+v", info.Pins)
	}
}

func TestOtherClientsRequestIsHidden(t *testing.T) {
	e := newEnv(t, nil)
	e.put("h", []byte("h"))
	id := e.stage(ftsTok, "/h")
	e.do("GET", "/api/v1/stage/"+id, otherTok, nil).want(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/stage/"+id, otherTok, nil).want(t, http.StatusNotFound)
	e.do("POST", "/api/v1/stage/"+id+"/cancel", otherTok, map[string]any{"paths": []string{"/h"}}).want(t, http.StatusNotFound)
	// Another client's release with the id only releases its own pins.
	e.do("POST", "/api/v1/release/"+id, otherTok, map[string]any{"paths": []string{"/h"}}).want(t, http.StatusOK)
	if info, _ := e.cache.Stat("h"); len(info.Pins) != 1 {
		t.Fatalf("pins %+v", info.Pins)
	}
	// An admin sees it.
	e.do("GET", "/api/v1/stage/"+id, adminTok, nil).want(t, http.StatusOK)
}

func TestArchiveInfoLocalities(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/l/tape": []byte("t"), "/l/both": []byte("b")})
	e.onTape("TK0002L9", map[string][]byte{"/l/unavailable": []byte("u")})
	e.onTape("TK0003L9", map[string][]byte{"/l/lost": []byte("l")})
	e.put("l/disk", []byte("d"))
	id := e.stage(ftsTok, "/l/both")
	must(t, e.sched.FinishAll(context.Background()))
	e.status(ftsTok, id)
	w, err := e.cache.Create(context.Background(), "l/incoming", 10, nil)
	must(t, err)
	defer w.Abort()

	got := e.archiveInfo(readTok, "/l/tape", "/files/l/both", "/l/unavailable", "/l/lost", "/l/disk", "/l/incoming", "/l/nothing", "/l/../etc/passwd", "relative")
	want := []locality{
		{Path: "/l/tape", Locality: "TAPE"},
		{Path: "/files/l/both", Locality: "DISK_AND_TAPE"},
		{Path: "/l/unavailable", Locality: "UNAVAILABLE"},
		{Path: "/l/lost", Locality: "LOST"},
		{Path: "/l/disk", Locality: "DISK"},
		{Path: "/l/incoming", Locality: "NONE"},
		{Path: "/l/nothing", Error: "no such file"},
		{Path: "/l/../etc/passwd", Error: "not a clean file path: dot element"},
		{Path: "relative", Error: "not an absolute path: it must start with /"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

func TestStageSchedulerDown(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/down": []byte("d")})
	e.put("up", []byte("u"))
	e.sched.FailSubmit(errors.New("queue store unreachable"))
	r := e.do("POST", "/api/v1/stage", ftsTok, map[string]any{"files": []map[string]any{{"path": "/up"}, {"path": "/down"}}}).want(t, http.StatusServiceUnavailable)
	if info, _ := e.cache.Stat("up"); len(info.Pins) != 0 {
		t.Fatalf("a refused request left pins: %+v", info.Pins)
	}
	if r.Header.Get("Retry-After") == "" || !strings.Contains(r.detail(t), "queue store unreachable") {
		t.Fatalf("%s %v", r.body, r.Header)
	}
	if n := len(e.sched.Requests()); n != 0 {
		t.Fatalf("%d recalls", n)
	}
	if byFile, byID := e.srv.InFlight(); byFile+byID != 0 {
		t.Fatal("a refused request left recalls waited for")
	}
	e.sched.FailSubmit(nil)
	id := e.stage(ftsTok, "/down")
	if got := e.states(ftsTok, id); got["/down"] != "SUBMITTED" {
		t.Fatalf("states %v", got)
	}
}

// TestJoinRecallEndingMeanwhile: a request joins a recall in flight that
// ends while the request's own Submit runs; the file gets the outcome.
func TestJoinRecallEndingMeanwhile(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/j/x": []byte("x"), "/j/y": []byte("y")})
	e.stage(ftsTok, "/j/x")
	x := e.recallOf("/j/x")
	e.mu.Lock()
	e.afterSubmit = func([]scheduler.Request) {
		e.mu.Lock()
		e.afterSubmit = nil // once
		e.mu.Unlock()
		must(t, e.sched.Finish(context.Background(), x.ID, scheduler.Done, ""))
	}
	e.mu.Unlock()
	id := e.stage(otherTok, "/j/x", "/j/y")
	if got := e.states(otherTok, id); got["/j/x"] != "COMPLETED" || got["/j/y"] != "SUBMITTED" {
		t.Fatalf("states %v", got)
	}
	info, _ := e.cache.Stat("j/x")
	owners := map[string]bool{}
	for _, p := range info.Pins {
		owners[p.Owner] = true
	}
	if !owners["other"] || !owners["fts"] {
		t.Fatalf("pins %+v", info.Pins)
	}
	if n := len(e.sched.Requests()); n != 2 {
		t.Fatalf("%d recalls, want 2 (x shared)", n)
	}
}
