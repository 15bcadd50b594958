package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tapekit/tapekit/internal/devices"
	"github.com/tapekit/tapekit/scheduler"
)

// maxConfigSize bounds a config file: a site's library, pools and policy
// fit in a few kilobytes, and anything near a megabyte is a wrong file.
const maxConfigSize = 1 << 20

// fileConfig is the config file of -config FILE: a real tape library (or a
// simulated one reached through its SCSI targets), the pools its
// cartridges go to, and the scheduler's policy. It is JSON; unknown fields
// are refused, so a misspelt field is an error rather than a default.
//
//	host                   name of this HSM in the shared queue (required):
//	                       the scheduler's Host, so that several HSMs
//	                       sharing a catalog tell their requests apart
//	site_name              sitename of the WLCG Tape REST API discovery
//	                       document (default "tapekit")
//	catalog                PostgreSQL connection string (postgres://… or
//	                       key=value pairs) of the catalog and the queue;
//	                       empty: SQLite under the data directory
//	library.name           the library's name in the catalog (Volume.Library)
//	library.changer        the changer, DRIVER:DEVICE: sg:/dev/sgN or
//	                       sg:/dev/schN (SCSI media changer commands through
//	                       SG_IO), mtx:/dev/sgN (the mtx program) or
//	                       sim-sg:DIR (a simulated library kept in DIR,
//	                       through its SCSI targets)
//	library.drives         the drives the HSM uses, at least one:
//	  name                 unique; names the drive in logs and metrics
//	  device               optional: /dev/nstN, /dev/sgN (or a link to one,
//	                       /dev/tape/by-id/…) or sim-sg:DIR:N. Left out, the
//	                       drive is the tape drive with the serial number
//	                       the changer reports for its element (an mtx
//	                       changer reports none: give the device)
//	  element              optional: the drive's data transfer element
//	                       address; left out, drive i of the list is the
//	                       i-th data transfer element in address order
//	pools                  the pools, at least one:
//	  name                 unique
//	  description          free text
//	  barcodes             barcode prefixes ("TK", "A00") or glob patterns
//	                       ("TK00[0-7]*L9", path.Match syntax): a data
//	                       cartridge of the library whose barcode matches is
//	                       registered in this pool as a blank volume, once.
//	                       Pools are tried in the order of the file; the
//	                       first that matches takes the cartridge
//	storage_classes        the storage classes, at least one:
//	  name                 unique
//	  pools                the pool of copy 1, copy 2, …: one per copy,
//	                       each a declared pool, none twice
//	default_storage_class  the class archived files go to; may be left out
//	                       when there is one class
//	policy                 the scheduler's policy: scheduler.DefaultPolicy
//	                       with the fields given here changed. Durations
//	                       are Go durations ("90s", "5m", "1h30m"); zero
//	                       turns a limit off, as in scheduler.Policy:
//	  min_age, min_bytes, min_files, max_age
//	  archive_min_bytes, archive_min_files, archive_max_age
//	  dismount_delay
//	  shares               fair-share weight of each activity, > 0
//	                       ({"default": 3, "repack": 1})
//
// testdata/library.json is an example.
type fileConfig struct {
	Host                string              `json:"host"`
	SiteName            string              `json:"site_name,omitempty"`
	Catalog             string              `json:"catalog,omitempty"`
	Library             libraryConfig       `json:"library"`
	Pools               []poolConfig        `json:"pools"`
	StorageClasses      []classConfig       `json:"storage_classes"`
	DefaultStorageClass string              `json:"default_storage_class,omitempty"`
	Policy              policyConfig        `json:"policy,omitzero"`
	changer             devices.ChangerSpec // Library.Changer, parsed by validate
}

type libraryConfig struct {
	Name    string        `json:"name"`
	Changer string        `json:"changer"`
	Drives  []driveConfig `json:"drives"`
}

type driveConfig struct {
	Name    string `json:"name"`
	Device  string `json:"device,omitempty"`
	Element *int   `json:"element,omitempty"`
}

type poolConfig struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Barcodes    []string `json:"barcodes,omitempty"`
}

type classConfig struct {
	Name  string   `json:"name"`
	Pools []string `json:"pools"`
}

// policyConfig is the part of scheduler.Policy a site sets; a field left
// out keeps DefaultPolicy's value.
type policyConfig struct {
	MinAge          *duration          `json:"min_age,omitempty"`
	MinBytes        *int64             `json:"min_bytes,omitempty"`
	MinFiles        *int               `json:"min_files,omitempty"`
	MaxAge          *duration          `json:"max_age,omitempty"`
	ArchiveMinBytes *int64             `json:"archive_min_bytes,omitempty"`
	ArchiveMinFiles *int               `json:"archive_min_files,omitempty"`
	ArchiveMaxAge   *duration          `json:"archive_max_age,omitempty"`
	DismountDelay   *duration          `json:"dismount_delay,omitempty"`
	Shares          map[string]float64 `json:"shares,omitempty"`
}

// duration is a Go duration written as a string, "90s". It decodes as a
// string so that a wrong type is reported with its field and offset;
// validate parses it.
type duration string

// configError is a mistake in a config file: where it is and what is
// wrong. Line is 0 when the place is not known.
type configError struct {
	File         string
	Line, Column int
	Field        string // "library.drives[1].name"; empty for a syntax error
	Err          error
}

func (e *configError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *configError) Unwrap() error { return e.Err }

var (
	// errConfigTooLarge: the file is over maxConfigSize.
	errConfigTooLarge = fmt.Errorf("config: larger than %d bytes: not a config file", maxConfigSize)
	// errConfigTrailing: something follows the JSON object.
	errConfigTrailing = errors.New("config: data after the closing brace")
)

// loadConfig reads, decodes and validates the config file at path.
func loadConfig(path string) (fileConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileConfig{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return fileConfig{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return parseConfig(path, data)
}

// parseConfig decodes and validates a config file's contents; name names
// it in errors.
func parseConfig(name string, data []byte) (fileConfig, error) {
	if len(data) > maxConfigSize {
		return fileConfig{}, &configError{File: name, Err: errConfigTooLarge}
	}
	var cfg fileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return fileConfig{}, decodeError(name, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, dec.InputOffset())
		return fileConfig{}, &configError{File: name, Line: line, Column: col, Err: errConfigTrailing}
	}
	if err := cfg.validate(); err != nil {
		var ve *configError
		if errors.As(err, &ve) {
			ve.File = name
			if off, ok := positions(data)[ve.Field]; ok {
				ve.Line, ve.Column = lineCol(data, off)
			}
		}
		return fileConfig{}, err
	}
	return cfg, nil
}

// unknownField matches encoding/json's error for a field DisallowUnknownFields
// refuses, which names the field but not where it is.
var unknownField = regexp.MustCompile(`^json: unknown field "(.*)"$`)

// decodeError places a decoding error in the file.
func decodeError(name string, data []byte, err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	ce := &configError{File: name, Err: err}
	switch {
	case errors.Is(err, io.EOF):
		ce.Err = errors.New("empty: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		ce.Line, ce.Column = lineCol(data, int64(len(data)))
		ce.Err = errors.New("unexpected end of the file: the JSON is cut short")
	case errors.As(err, &se):
		ce.Line, ce.Column = lineCol(data, se.Offset)
	case errors.As(err, &te):
		ce.Field = te.Field
		ce.Line, ce.Column = lineCol(data, te.Offset)
		ce.Err = fmt.Errorf("want %s, not a JSON %s", typeName(te.Type.String()), te.Value)
	default:
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			ce.Err = fmt.Errorf("unknown field %q (misspelt? the fields are listed in the comment on fileConfig)", m[1])
			// The first place the name is a key; the path names the
			// object that does not know it.
			for _, p := range positionList(data) {
				if last := p.path[strings.LastIndexAny(p.path, ".]")+1:]; last == m[1] {
					ce.Field = p.path
					ce.Line, ce.Column = lineCol(data, p.off)
					break
				}
			}
		}
	}
	return ce
}

// typeName names a Go type of the config for an operator.
func typeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "string", t == "main.duration":
		return "a string"
	case strings.Contains(t, "map["), strings.HasPrefix(t, "main."):
		return "an object"
	case strings.Contains(t, "int"):
		return "a whole number"
	case strings.Contains(t, "float"):
		return "a number"
	}
	return t
}

// lineCol returns the line and column (from 1, in bytes) of offset off.
func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

type position struct {
	path string
	off  int64
}

// positionList walks the JSON in data and returns where each value is, by
// its path as validate names fields ("library.drives[1].name"), in file
// order. The offset is the end of the value's key, or for a list element
// the end of its first token: on the line an operator looks for. A walk
// that fails stops; what it found is returned.
func positionList(data []byte) []position {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []position
	var walk func(prefix string, depth int) bool
	walk = func(prefix string, depth int) bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if depth > maxFieldDepth {
			// Deeper than any field of the config: skip it, so that a
			// deeply nested file costs no more than its size.
			return skip(dec, tok)
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				key, _ := k.(string)
				p := key
				if prefix != "" {
					p = prefix + "." + key
				}
				out = append(out, position{p, dec.InputOffset()})
				if !walk(p, depth+1) {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				p := fmt.Sprintf("%s[%d]", prefix, i)
				out = append(out, position{p, dec.InputOffset() + 1})
				if !walk(p, depth+1) {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		}
		return true
	}
	walk("", 0)
	return out
}

// maxFieldDepth is the nesting of the config's deepest field,
// storage_classes[i].pools[j], with room to spare.
const maxFieldDepth = 6

// skip reads the rest of the value whose first token is tok.
func skip(dec *json.Decoder, tok json.Token) bool {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return true
	}
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return true
}

// positions is positionList as a map; a repeated key keeps its first place.
func positions(data []byte) map[string]int64 {
	m := map[string]int64{}
	for _, p := range positionList(data) {
		if _, ok := m[p.path]; !ok {
			m[p.path] = p.off
		}
	}
	return m
}

// invalid returns the configError of field.
func invalid(field, format string, args ...any) error {
	return &configError{Field: field, Err: fmt.Errorf(format, args...)}
}

// namePattern is what a name of the config may be: it appears in URLs,
// metrics labels and log lines.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func checkName(field, name string) error {
	switch {
	case name == "":
		return invalid(field, "missing")
	case !namePattern.MatchString(name):
		return invalid(field, "%q: want up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// validate checks what decoding cannot: names present and unique, the
// changer spec, drive devices and elements, pools and classes that refer
// to each other, and the policy's values. It fills the parsed fields and
// the defaults (site_name, a lone default class).
func (c *fileConfig) validate() error {
	if err := checkName("host", c.Host); err != nil {
		return err
	}
	if c.SiteName == "" {
		c.SiteName = "tapekit"
	}
	if err := c.validateLibrary(); err != nil {
		return err
	}
	if err := c.validatePools(); err != nil {
		return err
	}
	return c.Policy.validate()
}

func (c *fileConfig) validateLibrary() error {
	l := &c.Library
	if err := checkName("library.name", l.Name); err != nil {
		return err
	}
	if l.Changer == "" {
		return invalid("library.changer", "missing: want sg:/dev/sgN, mtx:/dev/sgN or sim-sg:DIR")
	}
	spec, err := devices.ParseChanger(l.Changer)
	if err != nil {
		return invalid("library.changer", "%v", err)
	}
	c.changer = spec
	if len(l.Drives) == 0 {
		return invalid("library.drives", "no drives: the HSM needs at least one")
	}
	names := map[string]bool{}
	elements := map[int]bool{}
	for i, d := range l.Drives {
		field := fmt.Sprintf("library.drives[%d]", i)
		if err := checkName(field+".name", d.Name); err != nil {
			return err
		}
		if names[d.Name] {
			return invalid(field+".name", "%q: a drive of that name is declared already", d.Name)
		}
		names[d.Name] = true
		if err := checkDevice(field+".device", d.Device); err != nil {
			return err
		}
		if d.Device == "" && spec.Driver == devices.DriverMTX {
			return invalid(field+".device", "missing: mtx reports no drive serial numbers, so the drive of an mtx changer must be named (/dev/nstN or /dev/sgN)")
		}
		if d.Element != nil {
			e := *d.Element
			if e < 0 || e > math.MaxUint16 {
				return invalid(field+".element", "%d: an element address is between 0 and 65535", e)
			}
			if elements[e] {
				return invalid(field+".element", "%d: another drive is at that element", e)
			}
			elements[e] = true
		}
	}
	return nil
}

// checkDevice checks a drive's device name: a sim-sg:DIR:N or an absolute
// path; empty is fine (found by serial number).
func checkDevice(field, dev string) error {
	if dev == "" {
		return nil
	}
	if _, ok, err := devices.ParseSimDrive(dev); ok {
		if err != nil {
			return invalid(field, "%v", err)
		}
		return nil
	}
	if !strings.HasPrefix(dev, "/") {
		return invalid(field, "%q: want a device path (/dev/nstN, /dev/sgN, /dev/tape/by-id/…) or sim-sg:DIR:N", dev)
	}
	return nil
}

func (c *fileConfig) validatePools() error {
	if len(c.Pools) == 0 {
		return invalid("pools", "no pools: declare at least one, with the barcodes of its cartridges")
	}
	pools := map[string]bool{}
	patterns := map[string]string{}
	for i, p := range c.Pools {
		field := fmt.Sprintf("pools[%d]", i)
		if err := checkName(field+".name", p.Name); err != nil {
			return err
		}
		if pools[p.Name] {
			return invalid(field+".name", "%q: a pool of that name is declared already", p.Name)
		}
		pools[p.Name] = true
		for j, b := range p.Barcodes {
			bf := fmt.Sprintf("%s.barcodes[%d]", field, j)
			if b == "" {
				return invalid(bf, "empty: want a barcode prefix or a glob pattern")
			}
			if _, err := path.Match(b, ""); err != nil {
				return invalid(bf, "%q is not a valid pattern: %v", b, err)
			}
			if other, dup := patterns[b]; dup {
				return invalid(bf, "%q is already a pattern of pool %q", b, other)
			}
			patterns[b] = p.Name
		}
	}
	if len(c.StorageClasses) == 0 {
		return invalid("storage_classes", "no storage classes: declare at least one, with the pool of each copy")
	}
	classes := map[string]bool{}
	for i, sc := range c.StorageClasses {
		field := fmt.Sprintf("storage_classes[%d]", i)
		if err := checkName(field+".name", sc.Name); err != nil {
			return err
		}
		if classes[sc.Name] {
			return invalid(field+".name", "%q: a storage class of that name is declared already", sc.Name)
		}
		classes[sc.Name] = true
		if len(sc.Pools) == 0 {
			return invalid(field+".pools", "no pools: name the pool of each copy")
		}
		seen := map[string]bool{}
		for j, p := range sc.Pools {
			pf := fmt.Sprintf("%s.pools[%d]", field, j)
			if !pools[p] {
				return invalid(pf, "%q is not a declared pool", p)
			}
			if seen[p] {
				return invalid(pf, "%q holds another copy already: each copy goes to its own pool", p)
			}
			seen[p] = true
		}
	}
	switch {
	case c.DefaultStorageClass == "" && len(c.StorageClasses) == 1:
		c.DefaultStorageClass = c.StorageClasses[0].Name
	case c.DefaultStorageClass == "":
		return invalid("default_storage_class", "missing: there are %d storage classes, name the one archived files go to", len(c.StorageClasses))
	case !classes[c.DefaultStorageClass]:
		return invalid("default_storage_class", "%q is not a declared storage class", c.DefaultStorageClass)
	}
	return nil
}

func (p *policyConfig) validate() error {
	for _, d := range []struct {
		field string
		v     *duration
	}{
		{"min_age", p.MinAge}, {"max_age", p.MaxAge}, {"archive_max_age", p.ArchiveMaxAge}, {"dismount_delay", p.DismountDelay},
	} {
		if d.v == nil {
			continue
		}
		v, err := time.ParseDuration(string(*d.v))
		if err != nil {
			return invalid("policy."+d.field, "%q is not a duration: write it as Go does, \"90s\", \"5m\" or \"1h30m\"", string(*d.v))
		}
		if v < 0 {
			return invalid("policy."+d.field, "%q is negative", string(*d.v))
		}
	}
	for _, n := range []struct {
		field string
		v     int64
		set   bool
	}{
		{"min_bytes", deref64(p.MinBytes), p.MinBytes != nil},
		{"archive_min_bytes", deref64(p.ArchiveMinBytes), p.ArchiveMinBytes != nil},
		{"min_files", int64(derefInt(p.MinFiles)), p.MinFiles != nil},
		{"archive_min_files", int64(derefInt(p.ArchiveMinFiles)), p.ArchiveMinFiles != nil},
	} {
		if n.set && n.v < 0 {
			return invalid("policy."+n.field, "%d is negative", n.v)
		}
	}
	for a, w := range p.Shares {
		field := "policy.shares." + a
		if a == "" {
			return invalid("policy.shares", "an activity without a name: \"default\" is the activity of requests that give none")
		}
		if !(w > 0) || math.IsInf(w, 1) {
			return invalid(field, "%s: a weight is a number above 0", strconv.FormatFloat(w, 'g', -1, 64))
		}
	}
	return nil
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// policy returns scheduler.DefaultPolicy with the fields the config sets
// changed. The config is valid, so the durations parse.
func (p policyConfig) policy() *scheduler.Policy {
	pol := scheduler.DefaultPolicy()
	setDuration := func(dst *time.Duration, d *duration) {
		if d != nil {
			*dst, _ = time.ParseDuration(string(*d))
		}
	}
	setDuration(&pol.MinAge, p.MinAge)
	setDuration(&pol.MaxAge, p.MaxAge)
	setDuration(&pol.ArchiveMaxAge, p.ArchiveMaxAge)
	setDuration(&pol.DismountDelay, p.DismountDelay)
	if p.MinBytes != nil {
		pol.MinBytes = *p.MinBytes
	}
	if p.MinFiles != nil {
		pol.MinFiles = *p.MinFiles
	}
	if p.ArchiveMinBytes != nil {
		pol.ArchiveMinBytes = *p.ArchiveMinBytes
	}
	if p.ArchiveMinFiles != nil {
		pol.ArchiveMinFiles = *p.ArchiveMinFiles
	}
	if p.Shares != nil {
		pol.Shares = make(map[string]float64, len(p.Shares))
		for a, w := range p.Shares {
			pol.Shares[a] = w
		}
	}
	return pol
}

// poolFor returns the pool whose barcodes match barcode: the first pool
// of the file with a prefix it starts with or a glob pattern it matches.
func (c *fileConfig) poolFor(barcode string) (string, bool) {
	for _, p := range c.Pools {
		for _, b := range p.Barcodes {
			if matchBarcode(b, barcode) {
				return p.Name, true
			}
		}
	}
	return "", false
}

// matchBarcode reports whether barcode matches pattern: a glob pattern
// when it holds *, ? or [, else a prefix.
func matchBarcode(pattern, barcode string) bool {
	if strings.ContainsAny(pattern, `*?[\`) {
		ok, _ := path.Match(pattern, barcode)
		return ok
	}
	return strings.HasPrefix(barcode, pattern)
}
