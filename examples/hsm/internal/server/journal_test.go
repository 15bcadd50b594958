package server_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/scheduler"
)

// TestStageRequestsSurviveRestart: stage requests, their cancels,
// releases and deletes come back after a restart, and recalls that went
// on meanwhile end them.
func TestStageRequestsSurviveRestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	e := newEnv(t, func(c *serverConfig) { c.StateDir = state })
	e.put("r/disk", []byte("d"))
	e.onTape(volActive, map[string][]byte{"/r/x": []byte("x"), "/r/y": []byte("y"), "/r/z": []byte("z")})
	a := e.stage(ftsTok, "/files/r/disk", "/r//x", "/r/y", "/r/none")
	b := e.stage(otherTok, "/r/x")
	c := e.stage(ftsTok, "/r/z")
	e.do("POST", "/api/v1/stage/"+a+"/cancel", ftsTok, map[string]any{"paths": []string{"/r/y"}}).want(t, http.StatusOK)
	e.do("POST", "/api/v1/release/"+a, ftsTok, map[string]any{"paths": []string{"/r/disk"}}).want(t, http.StatusOK)
	e.do("DELETE", "/api/v1/stage/"+c, ftsTok, nil).want(t, http.StatusOK)
	must(t, e.sched.Start(e.recallOf("/r/x").ID))
	beforeA, beforeB := e.status(ftsTok, a), e.status(otherTok, b)

	e.restart()
	if diff := cmp.Diff(beforeA, e.status(ftsTok, a)); diff != "" {
		t.Fatalf("request a after the restart:\n%s", diff)
	}
	if diff := cmp.Diff(beforeB, e.status(otherTok, b)); diff != "" {
		t.Fatalf("request b after the restart:\n%s", diff)
	}
	e.do("GET", "/api/v1/stage/"+c, ftsTok, nil).want(t, http.StatusNotFound)
	e.do("GET", "/api/v1/stage/"+a, otherTok, nil).want(t, http.StatusNotFound) // still a's owner's

	// The recall in flight ends after the restart: both requests see it.
	must(t, e.sched.Finish(context.Background(), e.recallOf("/r/x").ID, scheduler.Done, ""))
	if got := e.states(ftsTok, a); got["/r/x"] != "COMPLETED" || got["/r/y"] != "CANCELED" || got["/files/r/disk"] != "COMPLETED" || got["/r/none"] != "FAILED" {
		t.Fatalf("a: %v", got)
	}
	if got := e.states(otherTok, b); got["/r/x"] != "COMPLETED" {
		t.Fatalf("b: %v", got)
	}
	info, _ := e.cache.Stat("r/x")
	if len(info.Pins) != 2 {
		t.Fatalf("pins of x: %+v", info.Pins)
	}

	// A restart again: the compacted journal gives the same.
	beforeA = e.status(ftsTok, a)
	e.restart()
	if diff := cmp.Diff(beforeA, e.status(ftsTok, a)); diff != "" {
		t.Fatalf("request a after the second restart:\n%s", diff)
	}
}

func TestJournalTornAndDamaged(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	e := newEnv(t, func(c *serverConfig) { c.StateDir = state })
	e.put("t/disk", []byte("d"))
	id := e.stage(ftsTok, "/t/disk")
	path := filepath.Join(state, "stages.jsonl")

	// A crash in the middle of a write leaves half a line: dropped.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	f.WriteString(`{"op":"create","id":"torn","files":[{"sent":"/t`)
	f.Close()
	e.restart()
	e.status(ftsTok, id)

	// Damage before the end is refused: requests must not vanish quietly.
	b, err := os.ReadFile(path)
	must(t, err)
	must(t, os.WriteFile(path, append([]byte("garbage\n"), b...), 0o600))
	e.hs.Close()
	must(t, e.srv.Close())
	if _, err := newServer(e.cfg); err == nil {
		t.Fatal("a damaged journal was accepted")
	}
}
