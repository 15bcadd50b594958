package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/examples/hsm/internal/auth"
	"github.com/tapekit/tapekit/scheduler"
)

// request returns the stage request id if the client may see it; it has
// answered with a 404 problem otherwise. Another client's request is as
// unknown as one that never existed, unless the client is an admin.
func (s *Server) request(w http.ResponseWriter, r *http.Request) *stageRequest {
	id := r.PathValue("id")
	c := client(r)
	s.stages.mu.Lock()
	q := s.stages.reqs[id]
	s.stages.mu.Unlock()
	if q == nil || (q.owner != c.Name && !c.Can(auth.Admin)) {
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no stage request %q: it never existed, was deleted, or ended more than %v ago", id, s.cfg.KeepEnded))
		return nil
	}
	return q
}

type stageStatusJSON struct {
	ID          string          `json:"id"`
	CreatedAt   int64           `json:"createdAt"`
	StartedAt   int64           `json:"startedAt"`
	CompletedAt int64           `json:"completedAt,omitempty"`
	Files       []stageFileJSON `json:"files"`
}

type stageFileJSON struct {
	Path       string `json:"path"`
	OnDisk     bool   `json:"onDisk"`
	State      string `json:"state"`
	Error      string `json:"error,omitempty"`
	StartedAt  int64  `json:"startedAt,omitempty"`
	FinishedAt int64  `json:"finishedAt,omitempty"`
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// getStage is GET /api/v1/stage/ID. It asks the scheduler about the
// recalls still running, so it is right even if no RecallEnded came.
func (s *Server) getStage(w http.ResponseWriter, r *http.Request) {
	q := s.request(w, r)
	if q == nil {
		return
	}
	s.refresh(r.Context(), q)
	st := &s.stages
	st.mu.Lock()
	out := stageStatusJSON{ID: q.id, CreatedAt: unix(q.created), StartedAt: unix(q.started), CompletedAt: unix(q.completed),
		Files: make([]stageFileJSON, len(q.files))}
	names := make([]string, len(q.files))
	for i, f := range q.files {
		out.Files[i] = stageFileJSON{Path: f.sent, State: f.state.String(), Error: f.err, StartedAt: unix(f.started), FinishedAt: unix(f.finished)}
		names[i] = f.name
	}
	st.mu.Unlock()
	for i, n := range names {
		info, err := s.cfg.Cache.Stat(n)
		out.Files[i].OnDisk = err == nil && (info.State == cache.Precious || info.State == cache.Online)
	}
	writeJSON(w, r, http.StatusOK, out)
}

// refresh asks the scheduler how the recalls of q's waiting files are
// doing.
func (s *Server) refresh(ctx context.Context, q *stageRequest) {
	st := &s.stages
	st.mu.Lock()
	waiting := map[*recall][]*stageFile{}
	var rcs []*recall
	for _, f := range q.files {
		if rc := f.recall; rc != nil && !f.state.ended() {
			if waiting[rc] == nil {
				rcs = append(rcs, rc)
			}
			waiting[rc] = append(waiting[rc], f)
		}
	}
	st.mu.Unlock()
	for _, rc := range rcs {
		r, err := s.cfg.Scheduler.Get(ctx, rc.id)
		if err != nil {
			s.log.Warn("recall status unknown", "recall", rc.id, "err", err)
			continue
		}
		if r.State.Ended() {
			s.RecallEnded(r)
			// Files that joined the recall as it ended are not on its
			// list: they get the outcome here.
			s.endFiles(waiting[rc], r)
			continue
		}
		if r.State == scheduler.Running {
			now := s.cfg.Now()
			st.mu.Lock()
			for _, f := range waiting[rc] {
				if f.state == submitted {
					f.state, f.started = started, orNow(r.Started, time.Time{}, now)
				}
			}
			st.mu.Unlock()
		}
	}
}
