package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// decodeBody reads a JSON request body of at most Config.MaxJSONBody bytes
// into v. On failure it has answered with a problem and returns false.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxJSONBody)
	dec := json.NewDecoder(body)
	err := dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = errors.New("more data after the JSON value")
			var mbe *http.MaxBytesError
			if errors.As(err2, &mbe) {
				err = err2
			}
		}
	}
	if err == nil {
		return true
	}
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes: split the request", mbe.Limit))
	case errors.Is(err, io.EOF):
		writeProblem(w, r, http.StatusBadRequest, "the request body is empty: it must be a JSON object")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the body"
		}
		writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("malformed request: %s must be %s, not %s", field, jsonKind(te.Type.Kind().String()), te.Value))
	default:
		writeProblem(w, r, http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
	return false
}

func jsonKind(goKind string) string {
	switch goKind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "ptr":
		return "a value of another type"
	}
	return "a number"
}

// pathsBody is the body of cancel, release and archiveinfo.
type pathsBody struct {
	Paths []string `json:"paths"`
}

// decodePaths reads a pathsBody and checks its size; false when it has
// answered with a problem.
func (s *Server) decodePaths(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	var b pathsBody
	if !s.decodeBody(w, r, &b) {
		return nil, false
	}
	switch {
	case len(b.Paths) == 0:
		writeProblem(w, r, http.StatusBadRequest, `the request names no file: send {"paths": ["/path/of/file", ...]}`)
		return nil, false
	case len(b.Paths) > s.cfg.MaxStageFiles:
		writeProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("%d paths in one request; at most %d", len(b.Paths), s.cfg.MaxStageFiles))
		return nil, false
	}
	return b.Paths, true
}

// parseLifetime reads a diskLifetime: a number of seconds, as gfal2
// sends it, or an ISO 8601 duration string ("P1D", "PT12H30M"), as dCache
// documents it. Absent or null means def.
func parseLifetime(raw json.RawMessage, def time.Duration) (time.Duration, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return def, nil
	}
	if s[0] == '"' {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, err
		}
		if n, err := strconv.ParseInt(str, 10, 64); err == nil {
			return seconds(n)
		}
		return parseISODuration(str)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a whole number of seconds nor an ISO 8601 duration", s)
	}
	return seconds(n)
}

const maxLifetimeSeconds = 100 * 365 * 24 * 3600

func seconds(n int64) (time.Duration, error) {
	if n <= 0 || n > maxLifetimeSeconds {
		return 0, fmt.Errorf("%d seconds: want at least 1 and at most 100 years", n)
	}
	return time.Duration(n) * time.Second, nil
}

// parseISODuration reads PnWnDTnHnMnS (weeks, days, hours, minutes,
// whole or fractional seconds). Years and months have no fixed length and
// are refused.
func parseISODuration(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as P1D or PT12H: %s", s, why)
	}
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return bad("it must start with P and name an amount")
	}
	var total float64
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return bad("two T")
			}
			inTime, rest = true, rest[1:]
			if rest == "" {
				return bad("nothing after T")
			}
			continue
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.' || rest[i] == ',') {
			i++
		}
		if i == 0 || i == len(rest) {
			return bad("a number must be followed by a unit")
		}
		v, err := strconv.ParseFloat(strings.Replace(rest[:i], ",", ".", 1), 64)
		if err != nil {
			return bad("bad number")
		}
		var unit float64
		switch u := rest[i]; {
		case !inTime && u == 'W':
			unit = 7 * 24 * 3600
		case !inTime && u == 'D':
			unit = 24 * 3600
		case inTime && u == 'H':
			unit = 3600
		case inTime && u == 'M':
			unit = 60
		case inTime && u == 'S':
			unit = 1
		case !inTime && (u == 'Y' || u == 'M'):
			return bad("years and months have no fixed length; use days")
		default:
			return bad(fmt.Sprintf("unknown unit %q", u))
		}
		total += v * unit
		if total > maxLifetimeSeconds {
			return bad("longer than 100 years")
		}
		rest = rest[i+1:]
	}
	d := time.Duration(total * float64(time.Second))
	if d < time.Second {
		return bad("shorter than a second")
	}
	return d, nil
}
