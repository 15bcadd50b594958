package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
)

// The admin API (scope admin) answers in the JSON style of tapectl: names
// in snake_case, sizes in bytes, times in RFC 3339. It covers what the
// disk and the catalog know; drives, libraries and queues come with the
// scheduler.
const adminPath = "/admin/v1"

type evictJSON struct {
	Path    string `json:"path"`
	Evicted bool   `json:"evicted"`
	Error   string `json:"error,omitempty"`
}

// evict is POST /admin/v1/evict {"paths": [...]}: each file's disk copy
// goes now, if the file is on tape (a readable copy), online (never a
// precious file) and not pinned.
func (s *Server) evict(w http.ResponseWriter, r *http.Request) {
	paths, ok := s.decodePaths(w, r)
	if !ok {
		return
	}
	vols := map[string]catalog.VolumeState{}
	out := make([]evictJSON, len(paths))
	for i, p := range paths {
		out[i].Path = echoPath(p)
		name, err := fileName(p)
		if err != nil {
			out[i].Error = err.Error()
			continue
		}
		out[i].Evicted, out[i].Error = s.evictOne(r, name, vols)
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (s *Server) evictOne(r *http.Request, name string, vols map[string]catalog.VolumeState) (bool, string) {
	info, err := s.cfg.Cache.Stat(name)
	switch {
	case errors.Is(err, cache.ErrNotFound):
		return false, "not on disk"
	case err != nil:
		return false, err.Error()
	case info.State == cache.Precious:
		return false, "not archived yet (precious): its disk copy is the only one"
	case info.State != cache.Online:
		return false, fmt.Sprintf("being %s", map[cache.State]string{cache.Incoming: "uploaded", cache.Staging: "recalled"}[info.State])
	case len(info.Pins) > 0:
		owners := make([]string, len(info.Pins))
		for i, p := range info.Pins {
			owners[i] = fmt.Sprintf("%s (request %s, until %s)", p.Owner, p.ID, p.Expires.UTC().Format("2006-01-02T15:04:05Z"))
		}
		return false, "pinned by " + strings.Join(owners, ", ")
	}
	loc, err := s.locality(r.Context(), name, vols)
	if err != nil {
		return false, err.Error()
	}
	if loc != DiskAndTape {
		return false, "no readable copy on tape (" + loc + "): the disk copy is kept"
	}
	if err := s.cfg.Cache.Remove(name); err != nil {
		return false, err.Error()
	}
	return true, ""
}

type cacheJSON struct {
	Quota     int64            `json:"quota"`
	HighWater int64            `json:"high_water"`
	LowWater  int64            `json:"low_water"`
	Used      int64            `json:"used"`
	Reserved  int64            `json:"reserved"`
	Bytes     map[string]int64 `json:"bytes"`
	Files     map[string]int   `json:"files"`
	Hits      uint64           `json:"hits"`
	Misses    uint64           `json:"misses"`
	Evictions uint64           `json:"evictions"`
	Evicted   uint64           `json:"evicted_bytes"`
	Waiting   int              `json:"waiting"`
}

// cacheStats is GET /admin/v1/cache.
func (s *Server) cacheStats(w http.ResponseWriter, r *http.Request) {
	st := s.cfg.Cache.Stats()
	out := cacheJSON{Quota: st.Quota, HighWater: st.HighWater, LowWater: st.LowWater, Used: st.Used, Reserved: st.Reserved,
		Bytes: map[string]int64{}, Files: map[string]int{}, Hits: st.Hits, Misses: st.Misses,
		Evictions: st.Evictions, Evicted: st.EvictedBytes, Waiting: st.Waiting}
	for _, c := range cacheStates {
		out.Bytes[c.String()] = st.Bytes[c]
		out.Files[c.String()] = st.Files[c]
	}
	writeJSON(w, r, http.StatusOK, out)
}

type poolJSON struct {
	Pool      string `json:"pool"`
	Volumes   int64  `json:"volumes"`
	Writable  int64  `json:"writable"`
	Capacity  int64  `json:"capacity"`
	BytesUsed int64  `json:"bytes_used"`
	Copies    int64  `json:"copies"`
	CopyBytes int64  `json:"copy_bytes"`
}

// pools is GET /admin/v1/pools.
func (s *Server) pools(w http.ResponseWriter, r *http.Request) {
	ps, err := s.cfg.Catalog.PoolStats(r.Context())
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	out := make([]poolJSON, len(ps))
	for i, p := range ps {
		out[i] = poolJSON{p.Pool, p.Volumes, p.Writable, p.Capacity, p.BytesUsed, p.Copies, p.CopyBytes}
	}
	writeJSON(w, r, http.StatusOK, out)
}

type volumeJSON struct {
	Barcode     string `json:"barcode"`
	MediaType   string `json:"media_type"`
	Library     string `json:"library"`
	Pool        string `json:"pool"`
	State       string `json:"state"`
	StateReason string `json:"state_reason,omitempty"`
	Capacity    int64  `json:"capacity"`
	BytesUsed   int64  `json:"bytes_used"`
	LastFileSeq int64  `json:"last_file_seq"`
	Mounts      int64  `json:"mounts"`
	Errors      int64  `json:"errors"`
	Copies      int64  `json:"copies"`
	CopyBytes   int64  `json:"copy_bytes"`
}

// volume is GET /admin/v1/volumes/BARCODE.
func (s *Server) volume(w http.ResponseWriter, r *http.Request) {
	barcode := r.PathValue("barcode")
	v, err := s.cfg.Catalog.Volume(r.Context(), barcode)
	if errors.Is(err, catalog.ErrUnknownVolume) {
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no volume %q in the catalog", barcode))
		return
	}
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	vs, err := s.cfg.Catalog.VolumeStats(r.Context(), barcode)
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	writeJSON(w, r, http.StatusOK, volumeJSON{v.Barcode, v.MediaType, v.Library, v.Pool, string(v.State), v.StateReason,
		v.Capacity, v.BytesUsed, v.LastFileSeq, v.Mounts, v.Errors, vs.Copies, vs.CopyBytes})
}

type stageSummaryJSON struct {
	ID        string         `json:"id"`
	Owner     string         `json:"owner"`
	Created   string         `json:"created"`
	Completed string         `json:"completed,omitempty"`
	Files     int            `json:"files"`
	States    map[string]int `json:"states"`
}

// stageList is GET /admin/v1/stage: every stage request the server
// remembers, oldest first, with its files counted by state.
func (s *Server) stageList(w http.ResponseWriter, r *http.Request) {
	st := &s.stages
	st.mu.Lock()
	qs := make([]*stageRequest, 0, len(st.reqs))
	for _, q := range st.reqs {
		qs = append(qs, q)
	}
	slices.SortFunc(qs, func(a, b *stageRequest) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]stageSummaryJSON, len(qs))
	for i, q := range qs {
		out[i] = stageSummaryJSON{ID: q.id, Owner: q.owner, Created: rfc3339(q.created), Completed: rfc3339(q.completed), Files: len(q.files), States: map[string]int{}}
		for _, f := range q.files {
			out[i].States[f.state.String()]++
		}
	}
	st.mu.Unlock()
	writeJSON(w, r, http.StatusOK, out)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
