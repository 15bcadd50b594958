package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/examples/hsm/internal/auth"
	"github.com/tapekit/tapekit/scheduler"
)

// fileState is a file's state in a stage request, as the Tape REST API
// names it.
type fileState uint8

const (
	submitted fileState = iota
	started
	completed
	failed
	canceled
)

func (s fileState) String() string {
	return [...]string{"SUBMITTED", "STARTED", "COMPLETED", "FAILED", "CANCELED"}[s]
}

func (s fileState) ended() bool { return s >= completed }

// stageRequest is one stage request: what the client asked for and how
// each file is doing. The registry keeps it in memory.
type stageRequest struct {
	id, owner                   string
	created, started, completed time.Time
	files                       []*stageFile
	// recalls were submitted with this request's id as their Group.
	recalls []*recall
}

// stageFile is one file of a stage request.
type stageFile struct {
	req      *stageRequest
	sent     string // the path as the client sent it (slashes collapsed)
	name     string // the cache's name
	lifetime time.Duration
	recall   *recall // the recall it waits for; nil when none
	state    fileState
	err      string
	started  time.Time
	finished time.Time
	released bool // released before its recall ended: do not pin
}

// recall is one scheduler request that one or more stage files wait for:
// two stage requests for one file share one recall.
type recall struct {
	id     int64
	group  string
	fileID int64
	files  []*stageFile // waiting, not ended
	done   bool
}

// stages is the registry of stage requests and of the recalls they wait
// for.
type stages struct {
	mu        sync.Mutex
	reqs      map[string]*stageRequest
	byFile    map[int64]*recall // catalog file id → recall in flight
	byID      map[int64]*recall // scheduler request id → recall in flight
	lastPurge time.Time

	// submit serialises the planning and submitting of recalls, so two
	// requests for one file never submit two recalls of it.
	submit sync.Mutex
}

func (st *stages) init() {
	st.reqs = map[string]*stageRequest{}
	st.byFile = map[int64]*recall{}
	st.byID = map[int64]*recall{}
}

// newRequestID returns a random UUID (version 4) for a stage request.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

type stageBody struct {
	Files []stageBodyFile `json:"files"`
}

type stageBodyFile struct {
	Path             *string         `json:"path"`
	DiskLifetime     json.RawMessage `json:"diskLifetime"`
	TargetedMetadata json.RawMessage `json:"targetedMetadata"`
}

// postStage is POST /api/v1/stage: files on disk are COMPLETED and pinned
// at once; the others are recalled, one scheduler request each, all in
// one Submit grouped under the new request id.
func (s *Server) postStage(w http.ResponseWriter, r *http.Request) {
	var body stageBody
	if !s.decodeBody(w, r, &body) {
		return
	}
	switch {
	case len(body.Files) == 0:
		writeProblem(w, r, http.StatusBadRequest, `the stage request names no file: send {"files": [{"path": "/path/of/file"}, ...]}`)
		return
	case len(body.Files) > s.cfg.MaxStageFiles:
		writeProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("%d files in one stage request; at most %d", len(body.Files), s.cfg.MaxStageFiles))
		return
	}
	now := s.cfg.Now()
	req := &stageRequest{id: newRequestID(), owner: client(r).Name, created: now, started: now}
	req.files = make([]*stageFile, len(body.Files))
	for i, f := range body.Files {
		if f.Path == nil {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("files[%d] has no path", i))
			return
		}
		name, err := fileName(*f.Path)
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("files[%d].path %q: %v", i, *f.Path, err))
			return
		}
		lt, err := parseLifetime(f.DiskLifetime, s.cfg.DefaultDiskLifetime)
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("files[%d].diskLifetime: %v", i, err))
			return
		}
		if tm := f.TargetedMetadata; len(tm) > 0 && tm[0] != '{' && string(tm) != "null" {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("files[%d].targetedMetadata must be an object", i))
			return
		}
		req.files[i] = &stageFile{req: req, sent: echoPath(*f.Path), name: name, lifetime: min(lt, cache.DefaultMaxPinLifetime)}
	}

	// What is on disk is done once pinned, before anyone can see the
	// request; the rest needs the catalog's file id.
	var onDisk, toRecall []*stageFile
	for _, f := range req.files {
		info, err := s.cfg.Cache.Stat(f.name)
		if err == nil && (info.State == cache.Precious || info.State == cache.Online) {
			err = s.pin(f)
			if errors.Is(err, cache.ErrNotFound) { // evicted meanwhile
				toRecall = append(toRecall, f)
				continue
			}
			f.state, f.finished = completed, now
			onDisk = append(onDisk, f)
			continue
		}
		switch {
		case err == nil && info.State == cache.Incoming:
			f.state, f.finished, f.err = failed, now, "the file is still being uploaded: stage it once its PUT has finished"
		default:
			toRecall = append(toRecall, f)
		}
	}
	ids, err := s.lookup(r.Context(), toRecall)
	if err != nil {
		s.cfg.Cache.UnpinRequest(req.id)
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	failedAtOnce := 0
	for _, f := range req.files {
		if f.state == failed {
			failedAtOnce++
		}
	}
	if err := s.recall(r.Context(), req, toRecall, ids); err != nil {
		s.cfg.Cache.UnpinRequest(req.id)
		w.Header().Set("Retry-After", "10")
		writeProblem(w, r, http.StatusServiceUnavailable, "the tape scheduler did not take the recalls: "+err.Error()+"; nothing was staged")
		return
	}
	s.metrics.stageFiles(submitted, len(req.files))
	s.metrics.stageFiles(completed, len(onDisk))
	s.metrics.stageFiles(failed, failedAtOnce)
	s.purgeEnded(now)
	w.Header().Set("Location", APIPath+"/stage/"+req.id)
	writeJSON(w, r, http.StatusCreated, map[string]string{"requestId": req.id})
}

// lookupWorkers bounds the catalog lookups of one stage request that run
// at once: the SQLite catalog reads on a few connections in parallel.
const lookupWorkers = 4

// lookup finds the catalog ids of files; a file the catalog does not have
// fails (id 0). Large requests look up in parallel: one query per file is
// most of what accepting a stage request costs.
func (s *Server) lookup(ctx context.Context, fs []*stageFile) ([]catalog.File, error) {
	ids := make([]catalog.File, len(fs))
	workers := min(lookupWorkers, len(fs)/64+1)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(fs); i += workers {
				f := fs[i]
				cf, err := s.cfg.Catalog.FileByPath(ctx, catalogPath(f.name))
				switch {
				case errors.Is(err, catalog.ErrNotFound):
					f.state, f.finished, f.err = failed, f.req.created, "no such file: it is neither on disk nor on tape"
				case err != nil:
					errs[w] = err
					return
				default:
					ids[i] = cf
				}
			}
		}()
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

// recall submits the recalls of a new stage request and registers it.
// Files that another request already waits for join that recall. On error
// nothing is registered nor queued.
func (s *Server) recall(ctx context.Context, req *stageRequest, fs []*stageFile, cfs []catalog.File) error {
	st := &s.stages
	st.submit.Lock()
	defer st.submit.Unlock()

	// Plan: which files join a recall in flight, which need a new one.
	// A file with none in flight is looked at again: a recall that ended
	// since the first look has put it on disk.
	st.mu.Lock()
	joins := map[*stageFile]*recall{}
	fresh := map[int64]*recall{}
	var reqs []scheduler.Request
	var newRecalls []*recall
	var landed []*stageFile
	for i, f := range fs {
		id := cfs[i].ID
		if id == 0 {
			continue
		}
		if rc := st.byFile[id]; rc != nil {
			joins[f] = rc
			continue
		}
		if rc := fresh[id]; rc != nil {
			joins[f] = rc
			continue
		}
		if info, err := s.cfg.Cache.Stat(f.name); err == nil && (info.State == cache.Precious || info.State == cache.Online) {
			landed = append(landed, f)
			continue
		}
		rc := &recall{group: req.id, fileID: id}
		fresh[id] = rc
		joins[f] = rc
		newRecalls = append(newRecalls, rc)
		reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, Group: req.id, FileID: id, Path: cfs[i].Path, Size: cfs[i].Size, Requester: req.owner})
	}
	st.mu.Unlock()

	for _, f := range landed {
		if err := s.pin(f); errors.Is(err, cache.ErrNotFound) {
			f.state, f.finished, f.err = failed, req.created, "the file was evicted while the stage request was accepted; stage it again"
			continue
		}
		f.state, f.finished = completed, req.created
	}
	s.metrics.stageFiles(completed, len(landed))

	// Declared needed before the scheduler can stage them, so a recalled
	// file is not evicted before its pin.
	for f := range joins {
		s.cfg.Cache.Need(f.name, req.id)
	}
	var got []scheduler.Request
	if len(reqs) > 0 {
		var err error
		got, err = s.cfg.Scheduler.Submit(ctx, reqs...)
		if err == nil && len(got) != len(reqs) {
			err = fmt.Errorf("it returned %d requests for %d", len(got), len(reqs))
		}
		if err != nil {
			for f := range joins {
				s.cfg.Cache.Unneed(f.name, req.id)
			}
			return err
		}
	}

	for i, rc := range newRecalls {
		rc.id = got[i].ID
	}
	for f, rc := range joins {
		f.recall = rc // f is not visible yet; rc's id, group and file are set for good
	}
	if err := s.journal.append(createRecord(req)); err != nil {
		for _, rc := range newRecalls {
			s.cfg.Scheduler.Cancel(ctx, rc.id)
		}
		for f := range joins {
			s.cfg.Cache.Unneed(f.name, req.id)
		}
		return fmt.Errorf("the stage request could not be made durable: %w", err)
	}

	st.mu.Lock()
	var ended []scheduler.Request
	for i, rc := range newRecalls {
		st.byID[rc.id] = rc
		st.byFile[rc.fileID] = rc
		if got[i].State.Ended() {
			ended = append(ended, got[i])
		}
	}
	req.recalls = newRecalls
	var late []*stageFile // joined a recall that ended meanwhile
	for f, rc := range joins {
		if rc.done {
			late = append(late, f)
			continue
		}
		rc.files = append(rc.files, f)
	}
	req.noteEnd(req.created) // everything on disk or failed at once
	st.reqs[req.id] = req
	st.mu.Unlock()

	for _, r := range ended {
		s.RecallEnded(r)
	}
	for _, f := range late {
		// Its recall ended between the plan and now: ask how.
		if r, err := s.cfg.Scheduler.Get(ctx, f.recall.id); err == nil && r.State.Ended() {
			s.endFiles([]*stageFile{f}, r)
		}
	}
	return nil
}

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
		f.req.noteEnd(now)
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

// noteEnd sets completed once every file has ended: when the last one
// ended (now if none says), so that a restart, which learns the ends again
// from the scheduler, gives the same time. Called with the lock.
func (q *stageRequest) noteEnd(now time.Time) {
	if !q.completed.IsZero() {
		return
	}
	var last time.Time
	for _, f := range q.files {
		if !f.state.ended() {
			return
		}
		if f.finished.After(last) {
			last = f.finished
		}
	}
	q.completed = orNow(last, time.Time{}, now)
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
	f.req.noteEnd(now)
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
		for _, f := range q.files {
			inReq[f.name] = true
			if slices.Contains(names, f.name) {
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
		st.mu.Lock()
		for _, f := range q.files {
			if slices.Contains(released, f.name) {
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
