package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/checksum"
)

// pathName returns the cache name of the file a /files/ URL names; it has
// answered with a problem when it returns false.
func pathName(w http.ResponseWriter, r *http.Request) (string, bool) {
	esc := escapedPath(r)
	name, err := fileName(esc)
	if err == nil && !strings.HasPrefix(esc, filesPrefix+"/") {
		err = errors.New("not under " + filesPrefix + "/")
	}
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("bad file path %q: %v", esc, err))
		return "", false
	}
	return name, true
}

// getFile is GET and HEAD /files/PATH: the file from disk. A file that is
// only on tape is not recalled by a read: the answer is 503 with
// Retry-After, and the client stages it first (POST /api/v1/stage), so a
// crawler or a stray loop cannot mount tapes one file at a time.
func (s *Server) getFile(w http.ResponseWriter, r *http.Request) {
	name, ok := pathName(w, r)
	if !ok {
		return
	}
	f, err := s.cfg.Cache.Open(name)
	if err != nil {
		s.notOnDisk(w, r, name, err)
		return
	}
	defer f.Close()
	info, err := s.cfg.Cache.Stat(name)
	if err != nil { // evicted or deleted since Open: serve what is open
		info = cache.Info{}
	}
	if err := digestHeaders(w, r, info.Checksums, f); err != nil {
		writeProblem(w, r, http.StatusInternalServerError, "computing the digest: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	pw := &problemWriter{ResponseWriter: w}
	http.ServeContent(pw, r, "", info.Created, f)
	if pw.status != 0 { // ServeContent's own error text becomes a problem
		writeProblem(w, r, pw.status, fmt.Sprintf("%s (the file has %d bytes)", strings.TrimSpace(pw.text.String()), info.Size))
	}
}

// problemWriter passes a response through unless its status is an error:
// then it keeps the text for a problem answer instead. It keeps
// io.ReaderFrom, so files still go out with sendfile.
type problemWriter struct {
	http.ResponseWriter
	status int
	text   strings.Builder
}

func (p *problemWriter) WriteHeader(code int) {
	if code >= 400 {
		p.status = code
		return
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *problemWriter) Write(b []byte) (int, error) {
	if p.status != 0 {
		if p.text.Len() < 1024 {
			p.text.Write(b)
		}
		return len(b), nil
	}
	return p.ResponseWriter.Write(b)
}

func (p *problemWriter) ReadFrom(src io.Reader) (int64, error) {
	if p.status != 0 {
		return io.Copy(io.Discard, src)
	}
	return io.Copy(p.ResponseWriter, src)
}

// notOnDisk answers a read of a file the cache cannot serve, saying where
// the file is and what to do.
func (s *Server) notOnDisk(w http.ResponseWriter, r *http.Request, name string, err error) {
	switch {
	case errors.Is(err, cache.ErrNotReady):
		w.Header().Set("Retry-After", "10")
		writeProblem(w, r, http.StatusServiceUnavailable, "the file is being written or recalled from tape; try again shortly")
		return
	case errors.Is(err, cache.ErrBadPath):
		writeProblem(w, r, http.StatusBadRequest, err.Error())
		return
	case !errors.Is(err, cache.ErrNotFound):
		writeProblem(w, r, http.StatusInternalServerError, "reading the cache: "+err.Error())
		return
	}
	loc, err := s.locality(r.Context(), name, map[string]catalog.VolumeState{})
	switch {
	case errors.Is(err, errNoSuchFile):
		writeProblem(w, r, http.StatusNotFound, "no such file")
	case err != nil:
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
	case loc == Tape:
		w.Header().Set("Retry-After", strconv.Itoa(int(s.cfg.RetryAfter/time.Second)))
		writeProblem(w, r, http.StatusServiceUnavailable, fmt.Sprintf(
			`the file is on tape only: stage it with POST %s/stage {"files":[{"path":"%s"}]}, poll until onDisk is true, then GET it again`,
			APIPath, fileURLPath(name)))
	case loc == Unavailable:
		w.Header().Set("Retry-After", strconv.Itoa(int(s.cfg.RetryAfter/time.Second)))
		writeProblem(w, r, http.StatusServiceUnavailable, "the file is on tape volumes that cannot be read now (disabled or exported); ask the operator")
	case loc == Lost:
		writeProblem(w, r, http.StatusInternalServerError, "the file is known but none of its copies can be found (LOST); ask the operator")
	default:
		writeProblem(w, r, http.StatusNotFound, "the file has no data yet (it is being uploaded)")
	}
}

// putFile is PUT /files/PATH: the file goes into the cache, precious until
// it is archived, and 201 means it is durable on disk. A digest given
// (Repr-Digest, Content-Digest or Digest) is verified: a mismatch is
// refused and nothing is kept.
func (s *Server) putFile(w http.ResponseWriter, r *http.Request) {
	name, ok := pathName(w, r)
	if !ok {
		return
	}
	size := r.ContentLength
	switch ce := r.Header.Get("Content-Encoding"); {
	case size < 0:
		writeProblem(w, r, http.StatusLengthRequired, "a PUT needs a Content-Length: the cache sets the file's space aside before it is written")
		return
	case s.cfg.MaxFileSize > 0 && size > s.cfg.MaxFileSize:
		writeProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file has %d bytes; this server takes at most %d", size, s.cfg.MaxFileSize))
		return
	case ce != "" && !strings.EqualFold(ce, "identity"):
		writeProblem(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q: files are stored as sent; send them without content coding", ce))
		return
	}
	expected, err := expectedDigests(r.Header)
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	switch _, err := s.cfg.Catalog.FileByPath(r.Context(), catalogPath(name)); {
	case err == nil:
		writeProblem(w, r, http.StatusConflict, "the file exists (it is on tape); files are never overwritten: DELETE it first")
		return
	case !errors.Is(err, catalog.ErrNotFound):
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	cw, err := s.cfg.Cache.Create(r.Context(), name, size, &cache.WriteOptions{Expected: expected})
	switch {
	case errors.Is(err, cache.ErrExists):
		writeProblem(w, r, http.StatusConflict, "the file (or a file where one of its directories should be) exists; files are never overwritten: DELETE it first")
		return
	case errors.Is(err, cache.ErrTooLarge):
		writeProblem(w, r, http.StatusInsufficientStorage, fmt.Sprintf("%d bytes are more than the whole disk cache holds", size))
		return
	case errors.Is(err, cache.ErrBadPath):
		writeProblem(w, r, http.StatusConflict, err.Error())
		return
	case err != nil && r.Context().Err() != nil:
		writeProblem(w, r, http.StatusServiceUnavailable, "the client went away while the cache waited for space")
		return
	case err != nil:
		writeProblem(w, r, http.StatusInternalServerError, "creating the file: "+err.Error())
		return
	}

	// What the response should carry is hashed on the way in, unless the
	// client gave it (the cache hashes those anyway).
	var tee *checksum.Set
	repr, legacy := wanted(r.Header)
	var extra []string
	for _, a := range append(repr, legacy...) {
		if !slices.Contains(extra, a) && !hasAlgorithm(expected, a) {
			extra = append(extra, a)
		}
	}
	var body io.Reader = r.Body
	if len(extra) > 0 {
		if tee, err = checksum.NewSet(extra, nil); err != nil {
			cw.Abort()
			writeProblem(w, r, http.StatusInternalServerError, err.Error())
			return
		}
		defer tee.Close()
		body = io.TeeReader(r.Body, tee)
	}
	n, err := io.Copy(cw, body)
	if err != nil {
		cw.Abort()
		writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("the body ended after %d of %d bytes (%v); nothing was stored", n, size, err))
		return
	}
	info, err := cw.Commit()
	var mm *checksum.MismatchError
	switch {
	case errors.As(err, &mm):
		writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("the data does not match the digest sent: %s is %x, the digest says %x; nothing was stored", mm.Algorithm, mm.Actual, mm.Expected))
		return
	case errors.Is(err, cache.ErrShortWrite):
		writeProblem(w, r, http.StatusBadRequest, "the body is shorter than its Content-Length; nothing was stored")
		return
	case err != nil:
		writeProblem(w, r, http.StatusInternalServerError, "storing the file: "+err.Error()+"; nothing was stored")
		return
	}
	have := info.Checksums
	if tee != nil {
		have = append(have, tee.Sum()...)
	}
	if err := digestHeaders(w, r, have, nil); err != nil {
		s.log.Warn("digest of a stored file", "path", name, "err", err)
	}
	w.Header().Set("Location", fileURLPath(name))
	writeEmpty(w, http.StatusCreated)
}

func hasAlgorithm(vs []checksum.Value, alg string) bool {
	for _, v := range vs {
		if v.Algorithm == alg {
			return true
		}
	}
	return false
}

type deleteJSON struct {
	Path     string `json:"path"`
	FromDisk bool   `json:"fromDisk"`
	FromTape bool   `json:"fromTape"`
}

// deleteFile is DELETE /files/PATH: the disk copy goes, and the catalog's
// entry moves to its recycle log (the tape copies stay until a repack, and
// an operator can undelete it).
func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request) {
	name, ok := pathName(w, r)
	if !ok {
		return
	}
	var out deleteJSON
	out.Path = escapedPath(r)
	err := s.cfg.Cache.Remove(name)
	switch {
	case err == nil:
		out.FromDisk = true
	case errors.Is(err, cache.ErrPinned):
		writeProblem(w, r, http.StatusConflict, "the file is pinned by a stage request; release it first (POST "+APIPath+"/release/ID)")
		return
	case errors.Is(err, cache.ErrWrongState):
		writeProblem(w, r, http.StatusConflict, "the file is being written or recalled; try again when that has finished")
		return
	case !errors.Is(err, cache.ErrNotFound):
		writeProblem(w, r, http.StatusInternalServerError, "removing the disk copy: "+err.Error())
		return
	}
	f, err := s.cfg.Catalog.FileByPath(r.Context(), catalogPath(name))
	switch {
	case err == nil:
		if err := s.cfg.Catalog.Delete(r.Context(), f.ID, "deleted over HTTP by "+client(r).Name); err != nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "deleting the catalog entry: "+err.Error())
			return
		}
		out.FromTape = true
	case !errors.Is(err, catalog.ErrNotFound):
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	}
	if !out.FromDisk && !out.FromTape {
		writeProblem(w, r, http.StatusNotFound, "no such file")
		return
	}
	writeJSON(w, r, http.StatusOK, out)
}
