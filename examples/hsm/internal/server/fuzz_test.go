package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// FuzzJSONBodies sends arbitrary bodies to the endpoints that read JSON.
// Whatever the body: no 5xx, a Content-Length, JSON back (a problem for an
// error), and an accepted stage request that answers its status with the
// files it was given.
func FuzzJSONBodies(f *testing.F) {
	for _, seed := range []struct {
		endpoint uint8
		body     string
	}{
		{0, `{"files": [{"path": "/f/tape"}]}`},
		{0, `{"files": [{"path": "/files/f/disk", "diskLifetime": 60}, {"path": "/f/none", "diskLifetime": "PT1H"}]}`},
		{0, `{"files": [{"path": "/f//tape", "targetedMetadata": {"site": {"a": [1, 2]}}}]}`},
		{0, `{"files": [{"path": "/f/../x"}]}`},
		{0, `{"files": [{"path": "/f/%2e%2e/x"}]}`},
		{0, `{"files": {}}`},
		{1, `{"paths": ["/f/tape", "/files/f/disk", "x", "/f/%zz"]}`},
		{2, `{"paths": ["/f/tape"]}`},
		{3, `{"paths": ["/f/disk", "https://host:1/files/f/disk?x=1"]}`},
		{0, `[`},
		{1, `null`},
		{0, "{\"files\": [{\"path\": \"/\u0000\"}]}"},
	} {
		f.Add(seed.endpoint, []byte(seed.body))
	}
	e := newEnv(f, func(c *serverConfig) { c.MaxJSONBody = 1 << 16; c.MaxStageFiles = 50 })
	e.put("f/disk", []byte("d"))
	e.onTape(volActive, map[string][]byte{"/f/tape": []byte("t")})
	id := e.stage(ftsTok, "/f/tape")
	endpoints := []string{"/api/v1/stage", "/api/v1/archiveinfo", "/api/v1/stage/" + id + "/cancel", "/api/v1/release/" + id}

	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte) {
		path := endpoints[int(endpoint)%len(endpoints)]
		rec := serve(e, "POST", path, body)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, rec.Code, rec.Body)
		}
		checkRecorded(t, rec)
		switch {
		case rec.Code == http.StatusCreated:
			var in struct{ Files []json.RawMessage }
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatalf("accepted a body that is not JSON: %q", body)
			}
			var out struct{ RequestID string }
			json.Unmarshal(rec.Body.Bytes(), &out)
			st := serve(e, "GET", "/api/v1/stage/"+out.RequestID, nil)
			var status struct{ Files []stageFile }
			if st.Code != 200 || json.Unmarshal(st.Body.Bytes(), &status) != nil || len(status.Files) != len(in.Files) {
				t.Fatalf("stage %q accepted, status %d %s", body, st.Code, st.Body)
			}
		case rec.Code == http.StatusOK && endpoint%uint8(len(endpoints)) == 1:
			var in struct{ Paths []json.RawMessage }
			var out []locality
			json.Unmarshal(body, &in)
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out) != len(in.Paths) {
				t.Fatalf("archiveinfo %q: %s", body, rec.Body)
			}
		}
	})
}

func serve(e *env, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ftsTok)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

func checkRecorded(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	n, err := strconv.Atoi(rec.Header().Get("Content-Length"))
	if err != nil || n != rec.Body.Len() {
		t.Fatalf("Content-Length %q for %d bytes", rec.Header().Get("Content-Length"), rec.Body.Len())
	}
	if n > 0 && !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("not JSON: %s", rec.Body)
	}
	if rec.Code >= 400 {
		var p struct{ Status int }
		if rec.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != rec.Code {
			t.Fatalf("%d is not a problem: %s", rec.Code, rec.Body)
		}
	}
}
