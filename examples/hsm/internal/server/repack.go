package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/repack"
)

// Repacker is the repack side of the admin API: the method set of
// *repack.Repacker.
type Repacker interface {
	Start(ctx context.Context, volume, pool string) (repack.Status, error)
	StartAll(ctx context.Context, fromPool, mediaType, pool string) ([]repack.Status, error)
	Cancel(ctx context.Context, volume string) error
	Status(ctx context.Context, volume string) (repack.Status, error)
	Jobs(ctx context.Context) ([]repack.Status, error)
}

// repackBody names what to repack: one volume, a list, or every volume
// of a pool and/or media type; and the destination pool.
type repackBody struct {
	Volume    string   `json:"volume"`
	Volumes   []string `json:"volumes"`
	FromPool  string   `json:"from_pool"`
	MediaType string   `json:"media_type"`
	Pool      string   `json:"pool"`
}

// repackProblem answers a Repacker error with the status it deserves.
func repackProblem(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, repack.ErrRunning):
		writeProblem(w, r, http.StatusConflict, err.Error())
	case errors.Is(err, repack.ErrNoJob), errors.Is(err, catalog.ErrUnknownVolume), errors.Is(err, catalog.ErrNotFound):
		writeProblem(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, catalog.ErrInvalid):
		writeProblem(w, r, http.StatusBadRequest, err.Error())
	default:
		writeProblem(w, r, http.StatusServiceUnavailable, "repack: "+err.Error())
	}
}

// repacker returns the configured Repacker, or answers 404 without one.
func (s *Server) repacker(w http.ResponseWriter, r *http.Request) Repacker {
	if s.cfg.Repacker == nil {
		writeProblem(w, r, http.StatusNotFound, "this server has no repacker configured")
	}
	return s.cfg.Repacker
}

// repackStart is POST /admin/v1/repack: {"volume": BARCODE, "pool":
// POOL} answers 201 with that repack's status (409 when the volume is
// already being repacked); {"volumes": [...], "pool"} or {"from_pool":
// POOL, "media_type": "LTO-7", "pool"} (either or both filters) start
// several and answer 201 with the list of those started.
func (s *Server) repackStart(w http.ResponseWriter, r *http.Request) {
	var body repackBody
	if !s.decodeBody(w, r, &body) {
		return
	}
	ways := 0
	for _, set := range []bool{body.Volume != "", len(body.Volumes) > 0, body.FromPool != "" || body.MediaType != ""} {
		if set {
			ways++
		}
	}
	if body.Pool == "" || ways != 1 {
		writeProblem(w, r, http.StatusBadRequest, `name the destination pool and one of: a volume {"volume": "BARCODE", "pool": "POOL"}, a list {"volumes": [...], "pool": "POOL"}, or a pool and/or media type {"from_pool": "OLD", "media_type": "LTO-7", "pool": "POOL"}`)
		return
	}
	rp := s.repacker(w, r)
	if rp == nil {
		return
	}
	switch {
	case body.Volume != "":
		st, err := rp.Start(r.Context(), body.Volume, body.Pool)
		if err != nil {
			repackProblem(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusCreated, st)
	case len(body.Volumes) > 0:
		var out []repack.Status
		for _, v := range body.Volumes {
			st, err := rp.Start(r.Context(), v, body.Pool)
			if err != nil {
				repackProblem(w, r, fmt.Errorf("%s (after %d started): %w", v, len(out), err))
				return
			}
			out = append(out, st)
		}
		writeJSON(w, r, http.StatusCreated, out)
	default:
		out, err := rp.StartAll(r.Context(), body.FromPool, body.MediaType, body.Pool)
		if err != nil {
			repackProblem(w, r, err)
			return
		}
		if out == nil {
			out = []repack.Status{}
		}
		writeJSON(w, r, http.StatusCreated, out)
	}
}

// repackList is GET /admin/v1/repack: every repack known, by volume.
func (s *Server) repackList(w http.ResponseWriter, r *http.Request) {
	rp := s.repacker(w, r)
	if rp == nil {
		return
	}
	jobs, err := rp.Jobs(r.Context())
	if err != nil {
		repackProblem(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, jobs)
}

// repackStatus is GET /admin/v1/repack/BARCODE: files and bytes left,
// rate, ETA, files given up.
func (s *Server) repackStatus(w http.ResponseWriter, r *http.Request) {
	rp := s.repacker(w, r)
	if rp == nil {
		return
	}
	st, err := rp.Status(r.Context(), r.PathValue("volume"))
	if err != nil {
		repackProblem(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, st)
}

// repackCancel is POST /admin/v1/repack/BARCODE/cancel: stops it; what
// has moved stays moved. 200 with the status.
func (s *Server) repackCancel(w http.ResponseWriter, r *http.Request) {
	rp := s.repacker(w, r)
	if rp == nil {
		return
	}
	v := r.PathValue("volume")
	if err := rp.Cancel(r.Context(), v); err != nil {
		repackProblem(w, r, err)
		return
	}
	st, err := rp.Status(r.Context(), v)
	if err != nil {
		repackProblem(w, r, fmt.Errorf("after the cancel: %w", err))
		return
	}
	writeJSON(w, r, http.StatusOK, st)
}
