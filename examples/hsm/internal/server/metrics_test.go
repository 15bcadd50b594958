package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	e := newEnv(t, nil)
	e.do("PUT", "/files/m/disk", writeTok, "12345").want(t, http.StatusCreated)
	e.onTape(volActive, map[string][]byte{"/m/tape": []byte("t")})
	id := e.stage(ftsTok, "/m/disk", "/m/tape", "/m/none")
	must(t, e.sched.FinishAll(context.Background()))
	e.status(ftsTok, id)
	e.do("GET", "/files/m/none", readTok, nil).want(t, http.StatusNotFound)
	e.do("BREW", "/files/m/none", readTok, nil).want(t, http.StatusMethodNotAllowed)

	e.do("GET", "/metrics", "", nil).want(t, http.StatusUnauthorized)
	r := e.do("GET", "/metrics/", readTok, nil).want(t, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	body := string(r.body)
	for _, want := range []string{
		`hsm_http_requests_total{code="201",method="PUT",route="PUT /files/{path...}"} 1`,
		`hsm_http_requests_total{code="201",method="POST",route="POST /api/v1/stage"} 1`,
		`hsm_http_requests_total{code="405",method="OTHER",route="/files/{path...}"} 1`,
		`hsm_http_problems_total{code="404"} 1`,
		`hsm_http_request_duration_seconds_bucket{route="GET /api/v1/stage/{id}",le=`,
		`hsm_stage_files_total{state="SUBMITTED"} 3`,
		`hsm_stage_files_total{state="COMPLETED"} 2`,
		`hsm_stage_files_total{state="FAILED"} 1`,
		`hsm_stage_requests 1`,
		`hsm_recalls_waiting 0`,
		`hsm_cache_files{state="precious"} 1`,
		`hsm_cache_bytes{state="precious"} 5`,
		`hsm_cache_files{state="online"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestHealthAndReady(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/healthz", "", nil).want(t, http.StatusOK)
	e.do("GET", "/readyz/", "", nil).want(t, http.StatusOK)
	e.cat.Close()
	r := e.do("GET", "/readyz", "", nil).want(t, http.StatusServiceUnavailable)
	if !strings.Contains(r.detail(t), "catalog") {
		t.Errorf("detail %q", r.detail(t))
	}
	e.do("GET", "/healthz", "", nil).want(t, http.StatusOK)
}
