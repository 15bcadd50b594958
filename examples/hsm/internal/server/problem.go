package server

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// problem is an RFC 9457 problem detail: every error the server returns
// is one, as application/problem+json.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// writeProblem answers with status and a detail that says what happened
// and, where it helps, what to do.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Instance: r.URL.RequestURI()}
	b, err := json.Marshal(p)
	if err != nil { // cannot happen: only strings and an int
		b = []byte(`{"type":"about:blank","status":500}`)
	}
	writeBody(w, status, "application/problem+json", b)
}

// writeJSON answers with v as JSON and a Content-Length, which every
// response carries: clients such as gfal2 keep connections alive and need
// to know where a body ends.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeProblem(w, r, http.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	writeBody(w, status, "application/json", b)
}

func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeEmpty answers with status and no body (Content-Length: 0). Never
// 204: a 204 may not carry a Content-Length.
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}
