package server

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
)

// PROPFIND with Depth 0 is how gfal2 stats a file before a PUT or a read:
// a 207 multistatus with its size, time and type, or a 404. Directories
// exist implicitly (a name's parents); they answer as collections.
// Listing (Depth 1 or infinity) is not offered.

type multistatus struct {
	XMLName  xml.Name      `xml:"D:multistatus"`
	XMLNS    string        `xml:"xmlns:D,attr"`
	Response []davResponse `xml:"D:response"`
}

type davResponse struct {
	Href     string      `xml:"D:href"`
	Propstat davPropstat `xml:"D:propstat"`
}

type davPropstat struct {
	Prop   davProp `xml:"D:prop"`
	Status string  `xml:"D:status"`
}

type davProp struct {
	ResourceType  davResourceType `xml:"D:resourcetype"`
	ContentLength *int64          `xml:"D:getcontentlength,omitempty"`
	LastModified  string          `xml:"D:getlastmodified,omitempty"`
	ContentType   string          `xml:"D:getcontenttype,omitempty"`
}

type davResourceType struct {
	Collection *struct{} `xml:"D:collection,omitempty"`
}

// propfind is PROPFIND /files/PATH.
func (s *Server) propfind(w http.ResponseWriter, r *http.Request) {
	if d := r.Header.Get("Depth"); d != "" && d != "0" {
		writeProblem(w, r, http.StatusForbidden, fmt.Sprintf("Depth %q: only Depth: 0 (one file or directory) is answered", d))
		return
	}
	// The request body (which properties) is read and ignored: the answer
	// has the same few properties whatever was asked.
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxJSONBody)
	var discard struct{}
	if err := xml.NewDecoder(body).Decode(&discard); err != nil && err != io.EOF { // empty: allprop
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
			return
		}
		writeProblem(w, r, http.StatusBadRequest, "the PROPFIND body is not XML: "+err.Error())
		return
	}
	name, ok := pathName(w, r)
	if !ok {
		return
	}
	prop, found, err := s.stat(r, name)
	switch {
	case err != nil:
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
		return
	case !found:
		writeProblem(w, r, http.StatusNotFound, "no such file or directory")
		return
	}
	href := escapedPath(r)
	if prop.ResourceType.Collection != nil {
		href += "/"
	}
	b, err := xml.Marshal(multistatus{XMLNS: "DAV:", Response: []davResponse{{Href: href, Propstat: davPropstat{Prop: prop, Status: "HTTP/1.1 200 OK"}}}})
	if err != nil {
		writeProblem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	writeBody(w, http.StatusMultiStatus, "application/xml; charset=utf-8", append([]byte(xml.Header), b...))
}

// stat describes a file (from the cache, else the catalog) or an implicit
// directory.
func (s *Server) stat(r *http.Request, name string) (davProp, bool, error) {
	file := func(size int64, mod time.Time) davProp {
		return davProp{ContentLength: &size, LastModified: mod.UTC().Format(http.TimeFormat), ContentType: "application/octet-stream"}
	}
	if info, err := s.cfg.Cache.Stat(name); err == nil && info.State != cache.Incoming && info.State != cache.Staging {
		return file(info.Size, info.Created), true, nil
	}
	f, err := s.cfg.Catalog.FileByPath(r.Context(), catalogPath(name))
	switch {
	case err == nil:
		return file(f.Size, f.Modified), true, nil
	case !errors.Is(err, catalog.ErrNotFound):
		return davProp{}, false, err
	}
	// A directory exists while a file lies under it: the catalog answers
	// with one row; the cache (files not archived yet) only if it must,
	// as its List copies the whole subtree.
	dir := davProp{ResourceType: davResourceType{Collection: &struct{}{}}}
	page, err := s.cfg.Catalog.List(r.Context(), catalogPath(name)+"/", "", 1)
	if err != nil {
		return davProp{}, false, err
	}
	return dir, len(page.Files) > 0 || len(s.cfg.Cache.List(name+"/")) > 0, nil
}

// mkcol is MKCOL /files/PATH, which gfal2 sends for the parents of a file
// it will PUT. Directories are implicit (a file's parents exist while it
// does), so there is nothing to make: 201 unless something is there
// already (405, as RFC 4918 says of an existing resource).
func (s *Server) mkcol(w http.ResponseWriter, r *http.Request) {
	name, ok := pathName(w, r)
	if !ok {
		return
	}
	prop, found, err := s.stat(r, name)
	switch {
	case err != nil:
		writeProblem(w, r, http.StatusServiceUnavailable, "the catalog cannot be read: "+err.Error())
	case found && prop.ResourceType.Collection != nil:
		writeProblem(w, r, http.StatusMethodNotAllowed, "the directory exists")
	case found:
		writeProblem(w, r, http.StatusMethodNotAllowed, "a file exists at this path")
	default:
		writeEmpty(w, http.StatusCreated)
	}
}
