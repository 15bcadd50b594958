package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/scheduler"
)

// Library is the robot side of the admin API: what a library holds and
// the operator's cartridge actions. The HSM's tape side implements it.
// Its errors wrap ErrNotFound (404) or ErrConflict (409) when they are
// about the request rather than the library.
type Library interface {
	// Libraries describes each library this host runs.
	Libraries(ctx context.Context) ([]LibraryInfo, error)
	// Label writes a volume label on a cartridge that holds no files.
	Label(ctx context.Context, barcode string) (LabelInfo, error)
	// Import moves every cartridge in the import/export ports into
	// storage: a known volume that was exported becomes usable again; an
	// unknown cartridge joins pool as a blank volume.
	Import(ctx context.Context, pool string) ([]ImportInfo, error)
	// Export moves a cartridge to an import/export port and marks its
	// volume exported, so nothing mounts it until it is imported.
	Export(ctx context.Context, barcode string) (ExportInfo, error)
}

var (
	// ErrNotFound: what the request names does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: what the request names is not in a state that allows
	// it (a cartridge in a drive, a volume holding files).
	ErrConflict = errors.New("conflict")
)

// LibraryInfo is one library of GET /admin/v1/libraries.
type LibraryInfo struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Drives      int           `json:"drives"`
	Slots       int           `json:"slots"`
	FreeSlots   int           `json:"free_slots"`
	Ports       int           `json:"ports"`
	Cartridges  int           `json:"cartridges"`
	Elements    []ElementInfo `json:"elements"`
}

// ElementInfo is one element of a library's inventory.
type ElementInfo struct {
	Type    string `json:"type"` // drive, slot, port, transport
	Address int    `json:"address"`
	Full    bool   `json:"full"`
	Barcode string `json:"barcode,omitempty"`
}

// LabelInfo is the answer of a label.
type LabelInfo struct {
	Barcode string `json:"barcode"`
	Drive   string `json:"drive"`
	Format  string `json:"format"`
	ID      string `json:"id,omitempty"`
}

// ImportInfo is one cartridge an import moved.
type ImportInfo struct {
	Barcode string `json:"barcode"`
	Slot    int    `json:"slot"`
	Pool    string `json:"pool,omitempty"`
	// Volume is what the catalog made of it: "registered" (new, blank),
	// "reactivated" (was exported), "known" (already usable), or
	// "error" with Error.
	Volume string `json:"volume"`
	Error  string `json:"error,omitempty"`
}

// ExportInfo is the answer of an export.
type ExportInfo struct {
	Barcode string `json:"barcode"`
	Port    int    `json:"port"`
}

func (s *Server) library(w http.ResponseWriter, r *http.Request) Library {
	if s.cfg.Library == nil {
		writeProblem(w, r, http.StatusNotFound, "this server has no library configured")
	}
	return s.cfg.Library
}

// libraryError answers err of a Library or TapeAdmin action.
func libraryError(w http.ResponseWriter, r *http.Request, what string, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, scheduler.ErrNotFound), errors.Is(err, catalog.ErrUnknownVolume):
		status = http.StatusNotFound
	case errors.Is(err, ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status = http.StatusServiceUnavailable
	}
	writeProblem(w, r, status, what+": "+err.Error())
}

// libraries is GET /admin/v1/libraries.
func (s *Server) libraries(w http.ResponseWriter, r *http.Request) {
	l := s.library(w, r)
	if l == nil {
		return
	}
	ls, err := l.Libraries(r.Context())
	if err != nil {
		libraryError(w, r, "reading the inventory", err)
		return
	}
	writeJSON(w, r, http.StatusOK, ls)
}

// driveDown is POST /admin/v1/drives/NAME/down {"reason": "..."} (the body
// is optional): the drive finishes its batch, unloads and takes no work.
func (s *Server) driveDown(w http.ResponseWriter, r *http.Request) {
	t := s.tapeAdmin(w, r)
	if t == nil {
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 && !s.decodeBody(w, r, &body) {
		return
	}
	if err := catalog.ValidateText("reason", body.Reason); err != nil {
		writeProblem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	name := r.PathValue("name")
	if err := t.SetDriveDown(name, body.Reason); err != nil {
		libraryError(w, r, "drive "+name, err)
		return
	}
	s.writeDrive(w, r, t, name)
}

// driveUp is POST /admin/v1/drives/NAME/up.
func (s *Server) driveUp(w http.ResponseWriter, r *http.Request) {
	t := s.tapeAdmin(w, r)
	if t == nil {
		return
	}
	name := r.PathValue("name")
	if err := t.SetDriveUp(name); err != nil {
		libraryError(w, r, "drive "+name, err)
		return
	}
	s.writeDrive(w, r, t, name)
}

func (s *Server) writeDrive(w http.ResponseWriter, r *http.Request, t TapeAdmin, name string) {
	for _, d := range t.Drives() {
		if d.Name == name {
			writeJSON(w, r, http.StatusOK, d)
			return
		}
	}
	writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no drive %q", name))
}

// label is POST /admin/v1/volumes/BARCODE/label.
func (s *Server) label(w http.ResponseWriter, r *http.Request) {
	l := s.library(w, r)
	if l == nil {
		return
	}
	barcode := r.PathValue("barcode")
	info, err := l.Label(r.Context(), barcode)
	if err != nil {
		libraryError(w, r, "labelling "+barcode, err)
		return
	}
	writeJSON(w, r, http.StatusOK, info)
}

// export is POST /admin/v1/volumes/BARCODE/export.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	l := s.library(w, r)
	if l == nil {
		return
	}
	barcode := r.PathValue("barcode")
	info, err := l.Export(r.Context(), barcode)
	if err != nil {
		libraryError(w, r, "exporting "+barcode, err)
		return
	}
	writeJSON(w, r, http.StatusOK, info)
}

// importCartridges is POST /admin/v1/import {"pool": "tape"}: every
// cartridge in the import/export ports goes into storage.
func (s *Server) importCartridges(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Pool string `json:"pool"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if err := catalog.ValidateName("pool", body.Pool); err != nil {
		writeProblem(w, r, http.StatusBadRequest, "pool: name the pool new cartridges join: "+err.Error())
		return
	}
	l := s.library(w, r)
	if l == nil {
		return
	}
	out, err := l.Import(r.Context(), body.Pool)
	if err != nil {
		libraryError(w, r, "importing", err)
		return
	}
	writeJSON(w, r, http.StatusOK, out)
}

// volumes is GET /admin/v1/volumes[?pool=P][&media_type=M].
func (s *Server) volumes(w http.ResponseWriter, r *http.Request) {
	lister, ok := s.cfg.Catalog.(catalog.VolumeLister)
	if !ok {
		writeProblem(w, r, http.StatusNotImplemented, "this catalog cannot list volumes")
		return
	}
	q := r.URL.Query()
	vs, err := lister.Volumes(r.Context(), q.Get("pool"), q.Get("media_type"))
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	// The copies each holds are GET volumes/BARCODE's: counting them for
	// every volume would read the whole copy table.
	type listed struct {
		volumeJSON
		Copies    *int64 `json:"copies,omitempty"`
		CopyBytes *int64 `json:"copy_bytes,omitempty"`
	}
	out := make([]listed, len(vs))
	for i, v := range vs {
		out[i].volumeJSON = volumeJSON{Barcode: v.Barcode, MediaType: v.MediaType, Library: v.Library, Pool: v.Pool, State: string(v.State),
			StateReason: v.StateReason, Capacity: v.Capacity, BytesUsed: v.BytesUsed, LastFileSeq: v.LastFileSeq, Mounts: v.Mounts, Errors: v.Errors}
	}
	writeJSON(w, r, http.StatusOK, out)
}

type storageClassJSON struct {
	Name  string   `json:"name"`
	Pools []string `json:"pools"` // one per copy, in copy order
}

// storageClasses is GET /admin/v1/storage-classes.
func (s *Server) storageClasses(w http.ResponseWriter, r *http.Request) {
	lister, ok := s.cfg.Catalog.(catalog.StorageClassLister)
	if !ok {
		writeProblem(w, r, http.StatusNotImplemented, "this catalog cannot list storage classes")
		return
	}
	cs, err := lister.StorageClasses(r.Context())
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	out := make([]storageClassJSON, len(cs))
	for i, c := range cs {
		out[i] = storageClassJSON{c.Name, c.Pools}
	}
	writeJSON(w, r, http.StatusOK, out)
}
