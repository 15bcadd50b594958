package server

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFileName(t *testing.T) {
	for sent, want := range map[string]string{
		"/a/b":                            "a/b",
		"/files/a/b":                      "a/b",
		"//files//a///b":                  "a/b",
		"/a%20b/c%2Fd":                    "a b/c/d",
		"/files/a?x=1&y=/..":              "a",
		"https://host:8443/files/a%23b?q": "a#b",
		"/filesystem/x":                   "filesystem/x",
		"/files":                          "files",
	} {
		got, err := fileName(sent)
		if err != nil || got != want {
			t.Errorf("fileName(%q) = %q, %v; want %q", sent, got, err, want)
		}
	}
	for _, bad := range []string{"", "a/b", "/", "/files/", "/a/../b", "/a/%2e%2E/b", "/a/./b", "/a%zz", "/a%00", "/a/", "http://[::1", "/files/a/b/"} {
		if got, err := fileName(bad); err == nil {
			t.Errorf("fileName(%q) = %q, want an error", bad, got)
		}
	}
}

func TestEchoPath(t *testing.T) {
	for sent, want := range map[string]string{
		"/a//b%20c":                 "/a/b%20c",
		"//files//x":                "/files/x",
		"https://h//files//a?b=//c": "https://h/files/a?b=/c",
	} {
		if got := echoPath(sent); got != want {
			t.Errorf("echoPath(%q) = %q, want %q", sent, got, want)
		}
	}
}

func TestRoutePath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                     "/",
		"//":                    "/",
		"/api/v1/stage/":        "/api/v1/stage",
		"//api//v1//stage//x//": "/api/v1/stage/x",
		"/files/a%20b/":         "/files/a%20b",
	} {
		esc, _, err := routePath(in)
		if err != nil || esc != want {
			t.Errorf("routePath(%q) = %q, %v; want %q", in, esc, err, want)
		}
	}
	for _, bad := range []string{"/files/..", "/files/%2e", "/a/%2E%2e/b", "/a%zz", "x"} {
		if _, _, err := routePath(bad); err == nil {
			t.Errorf("routePath(%q): no error", bad)
		}
	}
}

func TestParseLifetime(t *testing.T) {
	def := 5 * time.Minute
	for in, want := range map[string]time.Duration{
		``:           def,
		`null`:       def,
		`3600`:       time.Hour,
		`"3600"`:     time.Hour,
		`"P1D"`:      24 * time.Hour,
		`"PT12H30M"`: 12*time.Hour + 30*time.Minute,
		`"P1W"`:      7 * 24 * time.Hour,
		`"P1DT1S"`:   24*time.Hour + time.Second,
		`"PT1.5S"`:   1500 * time.Millisecond,
		`"PT0,5M"`:   30 * time.Second,
	} {
		got, err := parseLifetime(json.RawMessage(in), def)
		if err != nil || got != want {
			t.Errorf("parseLifetime(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{`0`, `-1`, `1.5`, `1e3`, `true`, `"P"`, `"PT"`, `"P1Y"`, `"P1M"`, `"P1H"`, `"PT1D"`, `"P1DT"`, `"PTT1H"`, `"1D"`, `"PT0.1S"`, `"P99999999W"`, `4000000000`, `{}`, `"P1.2.3D"`} {
		if got, err := parseLifetime(json.RawMessage(bad), def); err == nil {
			t.Errorf("parseLifetime(%s) = %v, want an error", bad, got)
		}
	}
}
