package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
)

type wellKnownJSON struct {
	SiteName    string         `json:"sitename"`
	Description string         `json:"description"`
	Endpoints   []endpointJSON `json:"endpoints"`
}

type endpointJSON struct {
	URI      string         `json:"uri"`
	Version  string         `json:"version"`
	Metadata map[string]any `json:"metadata"`
}

// wellKnown is GET /.well-known/wlcg-tape-rest-api, the discovery
// document; it needs no token. The uri is absolute, as clients require.
func (s *Server) wellKnown(w http.ResponseWriter, r *http.Request) {
	base := s.cfg.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	writeJSON(w, r, http.StatusOK, wellKnownJSON{
		SiteName:    s.cfg.SiteName,
		Description: "tapekit example HSM",
		Endpoints:   []endpointJSON{{URI: base + APIPath, Version: "v1", Metadata: map[string]any{}}},
	})
}

// Localities of a file, as archiveinfo reports them.
const (
	Disk        = "DISK"          // on disk only (not yet archived)
	Tape        = "TAPE"          // on tape only
	DiskAndTape = "DISK_AND_TAPE" // on both
	Lost        = "LOST"          // known, but no copy can be found
	None        = "NONE"          // known, but has no data yet (being uploaded)
	Unavailable = "UNAVAILABLE"   // on tape, on volumes that cannot be read now
)

type archiveInfoJSON struct {
	Path     string `json:"path"`
	Locality string `json:"locality,omitempty"`
	Error    string `json:"error,omitempty"`
}

// archiveInfo is POST /api/v1/archiveinfo: a top-level array with the
// locality of each path, or its error, in the order asked.
func (s *Server) archiveInfo(w http.ResponseWriter, r *http.Request) {
	paths, ok := s.decodePaths(w, r)
	if !ok {
		return
	}
	vols := map[string]catalog.VolumeState{}
	out := make([]archiveInfoJSON, len(paths))
	for i, p := range paths {
		out[i].Path = echoPath(p)
		name, err := fileName(p)
		if err != nil {
			out[i].Error = err.Error()
			continue
		}
		loc, err := s.locality(r.Context(), name, vols)
		if err != nil {
			out[i].Error = err.Error()
			continue
		}
		out[i].Locality = loc
	}
	writeJSON(w, r, http.StatusOK, out)
}

var errNoSuchFile = errors.New("no such file")

// locality says where a file's data is, from the cache (disk) and the
// catalog (tape copies and the states of their volumes). vols caches
// volume states across one call.
func (s *Server) locality(ctx context.Context, name string, vols map[string]catalog.VolumeState) (string, error) {
	info, cerr := s.cfg.Cache.Stat(name)
	inCache := cerr == nil
	onDisk := inCache && (info.State == cache.Precious || info.State == cache.Online)
	f, err := s.cfg.Catalog.FileByPath(ctx, catalogPath(name))
	if errors.Is(err, catalog.ErrNotFound) {
		switch {
		case onDisk:
			return Disk, nil
		case inCache:
			return None, nil
		}
		return "", errNoSuchFile
	}
	if err != nil {
		return "", err
	}
	copies, err := s.cfg.Catalog.Copies(ctx, f.ID)
	if err != nil {
		return "", err
	}
	readable, unavailable := false, false
	for _, c := range copies {
		st, ok := vols[c.Volume]
		if !ok {
			v, err := s.cfg.Catalog.Volume(ctx, c.Volume)
			if err != nil && !errors.Is(err, catalog.ErrUnknownVolume) {
				return "", err
			}
			st = v.State // "" for an unknown volume: lost
			vols[c.Volume] = st
		}
		switch st {
		case catalog.StateActive, catalog.StateFull, catalog.StateReadOnly, catalog.StateRepacking:
			readable = true
		case catalog.StateDisabled, catalog.StateExported:
			unavailable = true
		}
	}
	switch {
	case onDisk && readable:
		return DiskAndTape, nil
	case onDisk:
		return Disk, nil
	case readable:
		return Tape, nil
	case unavailable:
		return Unavailable, nil
	case f.Size == 0:
		return None, nil
	}
	return Lost, nil
}
