package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
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
	open                        int       // files not ended
	lastEnd                     time.Time // when the last ended file did
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
		reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, Group: req.id, FileID: id, Path: cfs[i].Path, Size: cfs[i].Size, Requester: s.requester(req.owner)})
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
	req.count(req.created) // all may be on disk or failed at once
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

// requester is the Requester of a recall for client: CLIENT@HOST when the
// server has a Host.
func (s *Server) requester(client string) string {
	if s.cfg.Host == "" {
		return client
	}
	return client + "@" + s.cfg.Host
}
