package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The stage requests survive a restart in a journal, stages.jsonl in
// Config.StateDir: one JSON line per change, fsynced before the change is
// acknowledged. A request's line holds what the server decided when it
// accepted it (files on disk, files that failed, the recall each other
// file waits for); how recalls end is not written, because the scheduler
// keeps that and a poll asks it again. Cancel, release and delete add a
// line each. On start the journal is replayed, a torn last line (a crash
// mid-write) dropped, and rewritten with the live requests only.

const journalName = "stages.jsonl"

type journalFile struct {
	Sent     string `json:"sent"`
	Name     string `json:"name"`
	Lifetime int64  `json:"lifetime"` // seconds
	FileID   int64  `json:"fileId,omitempty"`
	Recall   int64  `json:"recall,omitempty"`
	Own      bool   `json:"own,omitempty"` // the recall was submitted for this request
	State    string `json:"state"`
	Err      string `json:"error,omitempty"`
	Started  int64  `json:"started,omitempty"` // Unix nanoseconds
	Finished int64  `json:"finished,omitempty"`
	Released bool   `json:"released,omitempty"`
}

type journalRecord struct {
	Op        string        `json:"op"` // create, cancel, release, delete
	ID        string        `json:"id"`
	Owner     string        `json:"owner,omitempty"`
	Created   int64         `json:"created,omitempty"`
	Completed int64         `json:"completed,omitempty"`
	Files     []journalFile `json:"files,omitempty"`
	Names     []string      `json:"names,omitempty"` // cancel, release
	At        int64         `json:"at,omitempty"`
}

// journal appends records; nil means no persistence.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

func (j *journal) append(recs ...journalRecord) error {
	if j == nil {
		return nil
	}
	var buf bytes.Buffer
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.Write(append(b, '\n'))
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(buf.Bytes()); err != nil {
		return err
	}
	return j.f.Sync()
}

func (j *journal) close() error {
	if j == nil {
		return nil
	}
	return j.f.Close()
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

var stateNames = map[string]fileState{"SUBMITTED": submitted, "STARTED": started, "COMPLETED": completed, "FAILED": failed, "CANCELED": canceled}

// createRecord describes a request as it stands. Called with the lock,
// or before the request is visible.
func createRecord(q *stageRequest) journalRecord {
	rec := journalRecord{Op: "create", ID: q.id, Owner: q.owner, Created: nanos(q.created), Completed: nanos(q.completed), Files: make([]journalFile, len(q.files))}
	for i, f := range q.files {
		jf := journalFile{Sent: f.sent, Name: f.name, Lifetime: int64(f.lifetime / time.Second), State: f.state.String(), Err: f.err,
			Started: nanos(f.started), Finished: nanos(f.finished), Released: f.released}
		if rc := f.recall; rc != nil {
			jf.FileID, jf.Recall, jf.Own = rc.fileID, rc.id, rc.group == q.id
		}
		rec.Files[i] = jf
	}
	return rec
}

// openJournal replays dir's journal into st, rewrites it with the live
// requests and returns it open for appending.
func openJournal(dir string, st *stages) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, journalName)
	if err := replay(path, st); err != nil {
		return nil, err
	}
	// Rewrite: live requests only, made durable before it replaces the
	// old journal.
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	j := &journal{f: f}
	var recs []journalRecord
	for _, q := range st.reqs {
		recs = append(recs, createRecord(q))
	}
	if err := j.append(recs...); err != nil {
		f.Close()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		return nil, err
	}
	d, err := os.Open(dir)
	if err == nil {
		err = d.Sync()
		d.Close()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// replay applies the journal at path to st. A line that does not parse
// ends the replay if it is the last (a torn write); anywhere else the
// journal is damaged and replay fails rather than lose requests quietly.
func replay(path string, st *stages) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, len(b)+1)
	line := 0
	var bad error
	for sc.Scan() {
		line++
		if bad != nil {
			return bad // a damaged line with more after it
		}
		var rec journalRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			bad = fmt.Errorf("server: %s line %d: %v", path, line, err)
			continue
		}
		st.apply(rec)
	}
	return sc.Err()
}

// apply replays one record.
func (st *stages) apply(rec journalRecord) {
	switch rec.Op {
	case "create":
		q := &stageRequest{id: rec.ID, owner: rec.Owner, created: fromNanos(rec.Created), completed: fromNanos(rec.Completed)}
		q.started = q.created
		for _, jf := range rec.Files {
			f := &stageFile{req: q, sent: jf.Sent, name: jf.Name, lifetime: time.Duration(jf.Lifetime) * time.Second,
				state: stateNames[jf.State], err: jf.Err, started: fromNanos(jf.Started), finished: fromNanos(jf.Finished), released: jf.Released}
			if jf.Recall != 0 {
				rc := st.byID[jf.Recall]
				if rc == nil {
					rc = &recall{id: jf.Recall, fileID: jf.FileID}
					if !f.state.ended() {
						st.byID[rc.id] = rc
						st.byFile[rc.fileID] = rc
					} else {
						rc.done = true
					}
				}
				if jf.Own {
					rc.group = q.id
					q.recalls = append(q.recalls, rc)
				}
				f.recall = rc
				if !f.state.ended() {
					rc.files = append(rc.files, f)
				}
			}
			q.files = append(q.files, f)
		}
		q.count(q.created)
		st.reqs[q.id] = q
	case "cancel":
		q := st.reqs[rec.ID]
		if q == nil {
			return
		}
		names := set(rec.Names)
		for _, f := range q.files {
			if names[f.name] {
				st.detach(f, fromNanos(rec.At), "cancelled by the client")
			}
		}
	case "release":
		if q := st.reqs[rec.ID]; q != nil {
			names := set(rec.Names)
			for _, f := range q.files {
				if names[f.name] {
					f.released = true
				}
			}
		}
	case "delete":
		q := st.reqs[rec.ID]
		if q == nil {
			return
		}
		for _, f := range q.files {
			st.detach(f, fromNanos(rec.At), "the stage request was deleted")
		}
		delete(st.reqs, rec.ID)
	}
}

// set makes a set of names, so that matching a request's files against
// them stays linear.
func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
