package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// snapshot is everything a bad request must leave as it was: the cache's
// files with their states and pins, the catalog's files, the scheduler's
// requests, and a stage request's status.
func (e *env) snapshot(stageID string) string {
	e.t.Helper()
	var b strings.Builder
	for _, f := range e.cache.List("") {
		fmt.Fprintf(&b, "cache %s %v %d pins\n", f.Name, f.State, len(f.Pins))
	}
	page, err := e.cat.List(context.Background(), "/", "", 0)
	must(e.t, err)
	for _, f := range page.Files {
		fmt.Fprintf(&b, "catalog %s\n", f.Path)
	}
	for _, r := range e.sched.Requests() {
		fmt.Fprintf(&b, "sched %d %s %v\n", r.ID, r.Path, r.State)
	}
	st := e.status(ftsTok, stageID)
	for _, f := range st.Files {
		fmt.Fprintf(&b, "stage %s %s %v\n", f.Path, f.State, f.OnDisk)
	}
	return b.String()
}

// TestBadInput sends each mistake a client can make and checks the 4xx
// problem answer, that the server stays up, and that nothing changed.
func TestBadInput(t *testing.T) {
	e := newEnv(t, func(c *serverConfig) { c.MaxJSONBody = 64 << 10; c.MaxStageFiles = 100 })
	e.put("keep/disk", []byte("disk"))
	e.onTape(volActive, map[string][]byte{"/keep/tape": []byte("tape")})
	id := e.stage(ftsTok, "/keep/tape")
	before := e.snapshot(id)

	manyFiles := make([]map[string]string, 101)
	for i := range manyFiles {
		manyFiles[i] = map[string]string{"path": fmt.Sprintf("/f%d", i)}
	}
	huge := `{"files":[{"path":"/keep/tape","pad":"` + strings.Repeat("x", 70<<10) + `"}]}`
	stage, archiveinfo := "/api/v1/stage", "/api/v1/archiveinfo"
	cancel, release := "/api/v1/stage/"+id+"/cancel", "/api/v1/release/"+id

	for _, tc := range []struct {
		name         string
		method, path string
		token        string
		body         any
		hdr          []string
		status       int
		detail       string // a substring of the problem's detail
	}{
		// Malformed bodies.
		{"stage: truncated JSON", "POST", stage, ftsTok, `{"files": [`, nil, 400, "malformed JSON"},
		{"stage: not JSON", "POST", stage, ftsTok, `hello`, nil, 400, "malformed JSON"},
		{"stage: empty body", "POST", stage, ftsTok, ``, nil, 400, "empty"},
		{"stage: null", "POST", stage, ftsTok, `null`, nil, 400, "names no file"},
		{"stage: files not an array", "POST", stage, ftsTok, `{"files": "x"}`, nil, 400, "files must be an array"},
		{"stage: path not a string", "POST", stage, ftsTok, `{"files": [{"path": 1}]}`, nil, 400, "must be a string"},
		{"stage: no path", "POST", stage, ftsTok, `{"files": [{}]}`, nil, 400, "files[0] has no path"},
		{"stage: no files", "POST", stage, ftsTok, `{"files": []}`, nil, 400, "names no file"},
		{"stage: trailing data", "POST", stage, ftsTok, `{"files": [{"path": "/keep/tape"}]} {}`, nil, 400, "more data after"},
		{"stage: huge body", "POST", stage, ftsTok, huge, nil, 413, "larger than 65536 bytes"},
		{"stage: too many files", "POST", stage, ftsTok, map[string]any{"files": manyFiles}, nil, 413, "at most 100"},
		{"stage: traversal", "POST", stage, ftsTok, `{"files": [{"path": "/keep/tape"}, {"path": "/files/../../etc/passwd"}]}`, nil, 400, "files[1].path"},
		{"stage: encoded traversal", "POST", stage, ftsTok, `{"files": [{"path": "/files/a/%2e%2e/%2E%2E/etc/passwd"}]}`, nil, 400, "dot element"},
		{"stage: relative path", "POST", stage, ftsTok, `{"files": [{"path": "keep/tape"}]}`, nil, 400, "not an absolute path"},
		{"stage: bad percent-encoding", "POST", stage, ftsTok, `{"files": [{"path": "/a%zz"}]}`, nil, 400, "percent-encoding"},
		{"stage: control character", "POST", stage, ftsTok, `{"files": [{"path": "/a%00b"}]}`, nil, 400, "control character"},
		{"stage: negative lifetime", "POST", stage, ftsTok, `{"files": [{"path": "/keep/tape", "diskLifetime": -5}]}`, nil, 400, "diskLifetime"},
		{"stage: lifetime in years", "POST", stage, ftsTok, `{"files": [{"path": "/keep/tape", "diskLifetime": "P1Y"}]}`, nil, 400, "years and months"},
		{"stage: lifetime not a duration", "POST", stage, ftsTok, `{"files": [{"path": "/keep/tape", "diskLifetime": "soon"}]}`, nil, 400, "ISO 8601"},
		{"stage: fractional lifetime", "POST", stage, ftsTok, `{"files": [{"path": "/keep/tape", "diskLifetime": 1.5}]}`, nil, 400, "whole number"},
		{"stage: metadata not an object", "POST", stage, ftsTok, `{"files": [{"path": "/keep/tape", "targetedMetadata": "x"}]}`, nil, 400, "targetedMetadata"},
		{"archiveinfo: truncated", "POST", archiveinfo, ftsTok, `{"paths": ["/a"`, nil, 400, "malformed JSON"},
		{"archiveinfo: paths not an array", "POST", archiveinfo, ftsTok, `{"paths": {}}`, nil, 400, "paths must be an array"},
		{"archiveinfo: no paths", "POST", archiveinfo, ftsTok, `{}`, nil, 400, "names no file"},
		{"archiveinfo: huge", "POST", archiveinfo, ftsTok, `{"paths": ["` + strings.Repeat("a", 70<<10) + `"]}`, nil, 413, "larger than"},
		{"cancel: malformed", "POST", cancel, ftsTok, `{"paths": [1]}`, nil, 400, "must be a string"},
		{"cancel: path not in request", "POST", cancel, ftsTok, `{"paths": ["/keep/disk"]}`, nil, 400, "not part of stage request"},
		{"cancel: traversal", "POST", cancel, ftsTok, `{"paths": ["/keep/../keep/tape"]}`, nil, 400, "dot element"},
		{"release: malformed", "POST", release, ftsTok, `[`, nil, 400, "malformed JSON"},
		{"release: wrong shape", "POST", release, ftsTok, `["/keep/tape"]`, nil, 400, "must be an object"},
		{"evict: malformed", "POST", "/admin/v1/evict", adminTok, `{"paths": "/keep/disk"}`, nil, 400, "paths must be an array"},
		{"evict: not an admin", "POST", "/admin/v1/evict", ftsTok, `{"paths": ["/keep/disk"]}`, nil, 403, "admin"},
		{"volume: not an admin", "GET", "/admin/v1/volumes/" + volActive, writeTok, nil, nil, 403, "admin"},
		{"repack: malformed", "POST", "/admin/v1/repack", adminTok, `{"volume": 1}`, nil, 400, ""},
		{"repack: not an admin", "POST", "/admin/v1/repack", ftsTok, `{"volume": "` + volActive + `", "pool": "p"}`, nil, 403, "admin"},
		{"repack: two ways at once", "POST", "/admin/v1/repack", adminTok, `{"volume": "` + volActive + `", "from_pool": "p1", "pool": "p"}`, nil, 400, "one of"},
		{"repack: no pool", "POST", "/admin/v1/repack", adminTok, `{"volume": "` + volActive + `"}`, nil, 400, "destination pool"},
		{"drives: not an admin", "GET", "/admin/v1/drives", ftsTok, nil, nil, 403, "admin"},
		{"queue: none configured", "GET", "/admin/v1/queue", adminTok, nil, nil, 404, "no tape side"},
		{"drive down: not an admin", "POST", "/admin/v1/drives/d0/down", ftsTok, nil, nil, 403, "admin"},
		{"drive down: no tape side", "POST", "/admin/v1/drives/d0/down", adminTok, `{"reason": "x"}`, nil, 404, "no tape side"},
		{"label: not an admin", "POST", "/admin/v1/volumes/" + volActive + "/label", writeTok, nil, nil, 403, "admin"},
		{"label: no library", "POST", "/admin/v1/volumes/" + volActive + "/label", adminTok, nil, nil, 404, "no library"},
		{"export: no library", "POST", "/admin/v1/volumes/" + volActive + "/export", adminTok, nil, nil, 404, "no library"},
		{"import: malformed", "POST", "/admin/v1/import", adminTok, `{"pool": 3}`, nil, 400, ""},
		{"import: not an admin", "POST", "/admin/v1/import", ftsTok, `{"pool": "p"}`, nil, 403, "admin"},
		{"libraries: wrong method", "DELETE", "/admin/v1/libraries", adminTok, nil, nil, 405, "not allowed"},
		{"storage classes: not an admin", "GET", "/admin/v1/storage-classes", ftsTok, nil, nil, 403, "admin"},
		{"repack: none configured", "POST", "/admin/v1/repack", adminTok, `{"volume": "` + volActive + `", "pool": "p"}`, nil, 404, "no repacker"},
		{"repack status: none configured", "GET", "/admin/v1/repack/" + volActive, adminTok, nil, nil, 404, "no repacker"},
		// Unknown ids.
		{"status of unknown id", "GET", "/api/v1/stage/nope", ftsTok, nil, nil, 404, `no stage request "nope"`},
		{"delete of unknown id", "DELETE", "/api/v1/stage/nope/", ftsTok, nil, nil, 404, "no stage request"},
		{"cancel of unknown id", "POST", "/api/v1/stage/nope/cancel", ftsTok, `{"paths": ["/keep/tape"]}`, nil, 404, "no stage request"},
		// Paths of files.
		{"GET traversal", "GET", "/files/../etc/passwd", readTok, nil, nil, 400, `".." segment`},
		{"GET encoded traversal", "GET", "/files/keep/%2e%2e/%2e%2e/etc/passwd", readTok, nil, nil, 400, `".." segment`},
		{"GET dot segment", "GET", "/files/keep/./disk", readTok, nil, nil, 400, `"." segment`},
		{"PUT traversal", "PUT", "/files/a/../../x", writeTok, "x", nil, 400, "segment"},
		{"PUT control character", "PUT", "/files/a%00b", writeTok, "x", nil, 400, "control character"},
		{"PUT without a name", "PUT", "/files/", writeTok, "x", nil, 404, "no file named"},
		{"GET without a name", "GET", "/files", readTok, nil, nil, 404, "no file named"},
		{"PUT chunked", "PUT", "/files/new", writeTok, struct{ *strings.Reader }{strings.NewReader("x")}, nil, 411, "Content-Length"},
		{"PUT gzip", "PUT", "/files/new", writeTok, "x", []string{"Content-Encoding", "gzip"}, 415, "content coding"},
		{"PUT malformed Repr-Digest", "PUT", "/files/new", writeTok, "x", []string{"Repr-Digest", "sha-256=abc"}, 400, "Repr-Digest"},
		{"PUT malformed Digest", "PUT", "/files/new", writeTok, "x", []string{"Digest", "adler32=xyz"}, 400, "Digest"},
		{"PUT over a file", "PUT", "/files/keep/disk", writeTok, "x", nil, 409, "never overwritten"},
		{"PUT over a tape file", "PUT", "/files/keep/tape", writeTok, "x", nil, 409, "on tape"},
		{"PUT under a file", "PUT", "/files/keep/disk/child", writeTok, "x", nil, 409, ""},
		{"DELETE missing file", "DELETE", "/files/keep/none", writeTok, nil, nil, 404, "no such file"},
		// Auth.
		{"no token", "GET", "/files/keep/disk", "", nil, nil, 401, "needs a bearer token"},
		{"wrong token", "GET", "/files/keep/disk", "not-a-token-0123456789", nil, nil, 401, "not valid"},
		{"basic auth", "GET", "/files/keep/disk", "", nil, []string{"Authorization", "Basic YTpi"}, 401, "bearer token"},
		{"no token for stage", "POST", stage, "", `{"files": [{"path": "/keep/tape"}]}`, nil, 401, "bearer token"},
		{"reader PUT", "PUT", "/files/new", readTok, "x", nil, 403, "scope this needs: write"},
		{"reader DELETE", "DELETE", "/files/keep/disk", readTok, nil, nil, 403, "write"},
		{"reader stage", "POST", stage, readTok, `{"files": [{"path": "/keep/tape"}]}`, nil, 403, "stage"},
		{"reader release", "POST", release, readTok, `{"paths": ["/keep/tape"]}`, nil, 403, "stage"},
		{"stager GET file", "GET", "/files/keep/disk", stageTok, nil, nil, 403, "read"},
		{"writer stage", "POST", stage, writeTok, `{"files": [{"path": "/keep/tape"}]}`, nil, 403, "stage"},
		{"writer archiveinfo", "POST", archiveinfo, writeTok, `{"paths": ["/keep/tape"]}`, nil, 403, "read or stage"},
		// Routes and methods.
		{"PATCH a file", "PATCH", "/files/keep/disk", writeTok, "x", nil, 405, "allowed: GET, PUT, DELETE, PROPFIND, MKCOL, HEAD"},
		{"POST well-known", "POST", "/.well-known/wlcg-tape-rest-api", "", nil, nil, 405, "allowed: GET"},
		{"GET stage list", "GET", stage, ftsTok, nil, nil, 405, "allowed: POST"},
		{"PUT stage id", "PUT", "/api/v1/stage/" + id, ftsTok, "{}", nil, 405, "GET, DELETE"},
		{"unknown endpoint", "GET", "/nope", readTok, nil, nil, 404, "no endpoint /nope"},
		{"API v2", "POST", "/api/v2/stage", ftsTok, "{}", nil, 404, "no endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, tc.body, tc.hdr...).want(t, tc.status)
			if tc.status >= 400 && !strings.Contains(r.detail(t), tc.detail) {
				t.Errorf("detail %q does not say %q", r.detail(t), tc.detail)
			}
			if tc.status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tc.status == 405 && r.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if diff := cmp.Diff(before, e.snapshot(id)); diff != "" {
				t.Fatalf("a refused request changed things:\n%s", diff)
			}
		})
	}
	e.do("GET", "/healthz", "", nil).want(t, http.StatusOK)
	e.do("GET", "/files/keep/disk", readTok, nil).want(t, http.StatusOK)
}
