package server

import (
	"context"
	"net/http"
	"time"

	"github.com/tapekit/tapekit/scheduler"
)

// TapeAdmin is what the admin API shows of the tape side: the method set
// of *scheduler.Scheduler it uses.
type TapeAdmin interface {
	Drives() []scheduler.DriveStatus
	SetDriveDown(name, reason string) error
	SetDriveUp(name string) error
	Pending(ctx context.Context, limit int) ([]scheduler.Request, error)
}

// queueJSON is one request of the queue listing.
type queueJSON struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	State    string    `json:"state"`
	Path     string    `json:"path"`
	Size     int64     `json:"size"`
	Activity string    `json:"activity,omitempty"`
	Group    string    `json:"group,omitempty"`
	Volume   string    `json:"volume,omitempty"`
	Host     string    `json:"host,omitempty"`
	Attempts int       `json:"attempts"`
	Reason   string    `json:"reason,omitempty"`
	Created  time.Time `json:"created"`
}

func (s *Server) tapeAdmin(w http.ResponseWriter, r *http.Request) TapeAdmin {
	if s.cfg.Tape == nil {
		writeProblem(w, r, http.StatusNotFound, "this server has no tape side configured")
	}
	return s.cfg.Tape
}

// drives is GET /admin/v1/drives: each drive, up or down (with the
// reason), the volume in it, whether it works and for which activity.
func (s *Server) drives(w http.ResponseWriter, r *http.Request) {
	t := s.tapeAdmin(w, r)
	if t == nil {
		return
	}
	writeJSON(w, r, http.StatusOK, t.Drives())
}

// queue is GET /admin/v1/queue: the tape requests not ended, queued or
// running, oldest first (at most 10,000).
func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	t := s.tapeAdmin(w, r)
	if t == nil {
		return
	}
	rs, err := t.Pending(r.Context(), 0)
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the queue cannot be read: "+err.Error())
		return
	}
	out := make([]queueJSON, len(rs))
	for i, q := range rs {
		out[i] = queueJSON{ID: q.ID, Kind: q.Kind.String(), State: q.State.String(), Path: q.Path, Size: q.Size,
			Activity: q.Activity, Group: q.Group, Volume: q.Volume, Host: q.Host, Attempts: q.Attempts, Reason: q.Reason, Created: q.Created}
	}
	writeJSON(w, r, http.StatusOK, out)
}
