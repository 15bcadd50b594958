package server

import (
	"time"

	"github.com/tapekit/tapekit/scheduler"
)

// RecallEnded records the end of a recall: the files waiting for it
// become COMPLETED (and pinned for their disk lifetime), FAILED or
// CANCELED. The scheduler's Config.OnEnd should call it; the server also
// polls, so a call that never comes only delays the pins until the next
// poll. Requests other than recalls, or not the server's, are ignored.
func (s *Server) RecallEnded(r scheduler.Request) {
	if r.Kind != scheduler.Recall || !r.State.Ended() {
		return
	}
	st := &s.stages
	st.mu.Lock()
	rc := st.byID[r.ID]
	if rc == nil || rc.done {
		st.mu.Unlock()
		return
	}
	rc.done = true
	delete(st.byID, rc.id)
	if st.byFile[rc.fileID] == rc {
		delete(st.byFile, rc.fileID)
	}
	fs := rc.files
	rc.files = nil
	st.mu.Unlock()
	s.endFiles(fs, r)
}

// endFiles gives files the outcome of their recall, then pins those now
// on disk and withdraws their needs.
func (s *Server) endFiles(fs []*stageFile, r scheduler.Request) {
	now := s.cfg.Now()
	var pins []*stageFile
	st := &s.stages
	st.mu.Lock()
	for _, f := range fs {
		if f.state.ended() {
			continue
		}
		switch r.State {
		case scheduler.Done:
			f.state = completed
			if !f.released {
				pins = append(pins, f)
			}
		case scheduler.Failed:
			f.state, f.err = failed, r.Reason
			if f.err == "" {
				f.err = "the recall failed"
			}
		default:
			f.state, f.err = canceled, "the recall was cancelled"
			if r.Reason != "" {
				f.err += ": " + r.Reason
			}
		}
		// Times from the scheduler, which keeps them: a restart gives the
		// same.
		f.finished = orNow(r.Ended, time.Time{}, now)
		f.started = orNow(r.Started, f.started, f.finished)
		f.req.fileEnded(f, now)
		s.metrics.stageFiles(f.state, 1)
	}
	st.mu.Unlock()
	for _, f := range pins {
		s.pin(f)
	}
	for _, f := range fs {
		s.cfg.Cache.Unneed(f.name, f.req.id)
	}
}

func orNow(t, or, now time.Time) time.Time {
	switch {
	case !t.IsZero():
		return t
	case !or.IsZero():
		return or
	}
	return now
}

// count sets how many files have not ended and when the last ended one
// did, and completed if none is left. Called when the request is
// registered or replayed.
func (q *stageRequest) count(now time.Time) {
	q.open = 0
	for _, f := range q.files {
		if !f.state.ended() {
			q.open++
		} else if f.finished.After(q.lastEnd) {
			q.lastEnd = f.finished
		}
	}
	q.complete(now)
}

// fileEnded notes that f has just ended; once every file has, the request
// is completed when the last one ended (now if none says), so that a
// restart, which learns the ends again from the scheduler, gives the same
// time. Counting, not scanning the files, keeps a 100,000-file request
// linear. Called with the lock.
func (q *stageRequest) fileEnded(f *stageFile, now time.Time) {
	q.open--
	if f.finished.After(q.lastEnd) {
		q.lastEnd = f.finished
	}
	q.complete(now)
}

func (q *stageRequest) complete(now time.Time) {
	if q.open == 0 && q.completed.IsZero() {
		q.completed = orNow(q.lastEnd, time.Time{}, now)
	}
}

// pin holds a staged file on disk for its lifetime, on behalf of the
// request's owner and id. A failure is logged: the file is staged, only
// not held.
func (s *Server) pin(f *stageFile) error {
	err := s.cfg.Cache.Pin(f.name, f.req.owner, f.req.id, f.lifetime)
	if err != nil {
		s.log.Warn("pin of a staged file failed", "path", f.name, "request", f.req.id, "err", err)
	}
	return err
}
