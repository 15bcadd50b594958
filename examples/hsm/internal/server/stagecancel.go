package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tapekit/tapekit/cache"
)

// detach takes a waiting file off its recall and ends it CANCELED. It
// returns the recall if no file waits for it any more: the caller cancels
// it. Called with the lock.
func (st *stages) detach(f *stageFile, now time.Time, why string) *recall {
	if f.state.ended() {
		return nil
	}
	f.state, f.err, f.finished = canceled, why, now
	if f.started.IsZero() {
		f.started = now
	}
	f.req.fileEnded(f, now)
	rc := f.recall
	if rc == nil || rc.done {
		return nil
	}
	for i, g := range rc.files {
		if g == f {
			rc.files = append(rc.files[:i], rc.files[i+1:]...)
			break
		}
	}
	if len(rc.files) > 0 {
		return nil
	}
	// Forget it now: a new stage of the file must not join a recall
	// being cancelled.
	rc.done = true
	delete(st.byID, rc.id)
	if st.byFile[rc.fileID] == rc {
		delete(st.byFile, rc.fileID)
	}
	return rc
}

// cancelStage is POST /api/v1/stage/ID/cancel: the named files that have
// not ended are CANCELED, and recalls nobody else waits for are cancelled.
// A path that is not part of the request refuses the whole call.
func (s *Server) cancelStage(w http.ResponseWriter, r *http.Request) {
	q := s.request(w, r)
	if q == nil {
		return
	}
	paths, ok := s.decodePaths(w, r)
	if !ok {
		return
	}
	byName := map[string][]*stageFile{}
	for _, f := range q.files {
		byName[f.name] = append(byName[f.name], f)
	}
	var fs []*stageFile
	for i, p := range paths {
		name, err := fileName(p)
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("paths[%d] %q: %v", i, p, err))
			return
		}
		if byName[name] == nil {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("paths[%d] %q is not part of stage request %s; nothing was cancelled", i, p, q.id))
			return
		}
		fs = append(fs, byName[name]...)
	}
	now := s.cfg.Now()
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	if err := s.journal.append(journalRecord{Op: "cancel", ID: q.id, Names: names, At: nanos(now)}); err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the cancel could not be made durable: "+err.Error()+"; nothing was cancelled")
		return
	}
	var cancel []*recall
	var unneed []*stageFile
	st := &s.stages
	st.mu.Lock()
	for _, f := range fs {
		if f.state.ended() {
			continue
		}
		unneed = append(unneed, f)
		if rc := st.detach(f, now, "cancelled by the client"); rc != nil {
			cancel = append(cancel, rc)
		}
	}
	st.mu.Unlock()
	s.metrics.stageFiles(canceled, len(unneed))
	s.cancelRecalls(r.Context(), cancel, "")
	for _, f := range unneed {
		s.cfg.Cache.Unneed(f.name, q.id)
	}
	writeEmpty(w, http.StatusOK)
}

// cancelRecalls cancels recalls in the scheduler; when group is set and
// every recall of the group is among them, one CancelGroup does it.
func (s *Server) cancelRecalls(ctx context.Context, rcs []*recall, group string) {
	var rest []*recall
	if group != "" {
		for _, rc := range rcs {
			if rc.group != group {
				rest = append(rest, rc)
			}
		}
		if _, err := s.cfg.Scheduler.CancelGroup(ctx, group); err != nil {
			s.log.Warn("cancel of recalls failed", "group", group, "err", err)
		}
		rcs = rest
	}
	for _, rc := range rcs {
		if err := s.cfg.Scheduler.Cancel(ctx, rc.id); err != nil {
			s.log.Warn("cancel of a recall failed", "recall", rc.id, "err", err)
		}
	}
}

// deleteStage is DELETE /api/v1/stage/ID: what has not ended is cancelled,
// the request's pins are released and the request is forgotten.
func (s *Server) deleteStage(w http.ResponseWriter, r *http.Request) {
	q := s.request(w, r)
	if q == nil {
		return
	}
	now := s.cfg.Now()
	if err := s.journal.append(journalRecord{Op: "delete", ID: q.id, At: nanos(now)}); err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the delete could not be made durable: "+err.Error()+"; nothing was deleted")
		return
	}
	var cancel []*recall
	var unneed []*stageFile
	st := &s.stages
	st.mu.Lock()
	if st.reqs[q.id] != q { // deleted meanwhile
		st.mu.Unlock()
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no stage request %q: it was deleted", q.id))
		return
	}
	for _, f := range q.files {
		if !f.state.ended() {
			unneed = append(unneed, f)
		}
		if rc := st.detach(f, now, "the stage request was deleted"); rc != nil {
			cancel = append(cancel, rc)
		}
	}
	// One CancelGroup when every recall of this request's group is
	// unwanted now; another request may still wait for some of them.
	group := ""
	if len(cancel) > 0 && len(q.recalls) > 0 {
		group = q.id
	}
	for _, rc := range q.recalls {
		if !rc.done || len(rc.files) > 0 {
			group = ""
			break
		}
	}
	delete(st.reqs, q.id)
	st.mu.Unlock()
	s.metrics.stageFiles(canceled, len(unneed))
	s.cancelRecalls(r.Context(), cancel, group)
	for _, f := range unneed {
		s.cfg.Cache.Unneed(f.name, q.id)
	}
	if _, err := s.cfg.Cache.UnpinRequest(q.id); err != nil {
		s.log.Warn("unpin of a deleted stage request failed", "request", q.id, "err", err)
	}
	writeEmpty(w, http.StatusOK)
}

// release is POST /api/v1/release/ID: the request's pins on the named
// paths go. For an id the server does not know (or a path not in the
// request) it releases the client's own pins on those paths: a client
// that lost the id releases with a placeholder.
func (s *Server) release(w http.ResponseWriter, r *http.Request) {
	paths, ok := s.decodePaths(w, r)
	if !ok {
		return
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		n, err := fileName(p)
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("paths[%d] %q: %v", i, p, err))
			return
		}
		names[i] = n
	}
	c := client(r)
	id := r.PathValue("id")
	st := &s.stages
	st.mu.Lock()
	q := st.reqs[id]
	if q != nil && q.owner != c.Name {
		q = nil
	}
	inReq := map[string]bool{}
	var released []string
	if q != nil {
		asked := set(names)
		for _, f := range q.files {
			inReq[f.name] = true
			if asked[f.name] {
				released = append(released, f.name)
			}
		}
	}
	st.mu.Unlock()
	if len(released) > 0 {
		if err := s.journal.append(journalRecord{Op: "release", ID: id, Names: released, At: nanos(s.cfg.Now())}); err != nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "the release could not be made durable: "+err.Error()+"; nothing was released")
			return
		}
		rel := set(released)
		st.mu.Lock()
		for _, f := range q.files {
			if rel[f.name] {
				f.released = true
			}
		}
		st.mu.Unlock()
	}
	for _, n := range names {
		if inReq[n] {
			if err := s.cfg.Cache.Unpin(n, id); err != nil && !errors.Is(err, cache.ErrNotPinned) && !errors.Is(err, cache.ErrNotFound) {
				s.log.Warn("release failed", "path", n, "request", id, "err", err)
			}
			continue
		}
		info, err := s.cfg.Cache.Stat(n)
		if err != nil {
			continue
		}
		for _, p := range info.Pins {
			if p.Owner == c.Name {
				if err := s.cfg.Cache.Unpin(n, p.ID); err != nil && !errors.Is(err, cache.ErrNotPinned) && !errors.Is(err, cache.ErrNotFound) {
					s.log.Warn("release failed", "path", n, "request", p.ID, "err", err)
				}
			}
		}
	}
	writeEmpty(w, http.StatusOK)
}

// purgeEnded forgets requests that ended more than KeepEnded ago, at most
// once a minute.
func (s *Server) purgeEnded(now time.Time) {
	st := &s.stages
	st.mu.Lock()
	defer st.mu.Unlock()
	if now.Sub(st.lastPurge) < time.Minute {
		return
	}
	st.lastPurge = now
	for id, q := range st.reqs {
		if !q.completed.IsZero() && now.Sub(q.completed) > s.cfg.KeepEnded {
			delete(st.reqs, id)
		}
	}
}
