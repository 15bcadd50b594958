package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapekit/tapekit/internal/devices"
	"github.com/tapekit/tapekit/scheduler"
)

// minimal is the smallest valid config, for tests to vary.
const minimal = `{
  "host": "hsm1",
  "library": {"name": "lib", "changer": "sim-sg:/tmp/lib", "drives": [{"name": "d0"}]},
  "pools": [{"name": "p", "barcodes": ["TK"]}],
  "storage_classes": [{"name": "c", "pools": ["p"]}]
}`

func TestLoadExampleConfig(t *testing.T) {
	cfg, err := loadConfig(filepath.Join("testdata", "library.json"))
	if err != nil {
		t.Fatal(err)
	}
	el := 258
	want := fileConfig{
		Host: "hsm1", SiteName: "EXAMPLE-SITE",
		Catalog: "postgres://hsm@db.example.org/tapekit?sslmode=verify-full",
		Library: libraryConfig{Name: "l80", Changer: "sg:/dev/sch0", Drives: []driveConfig{
			{Name: "lto9-a"}, {Name: "lto9-b"}, {Name: "lto9-c", Device: "/dev/nst2", Element: &el},
		}},
		Pools: []poolConfig{
			{Name: "cms-1", Description: "CMS, first copy", Barcodes: []string{"CMA"}},
			{Name: "cms-2", Description: "CMS, second copy", Barcodes: []string{"CMB"}},
			{Name: "scratch", Description: "blank cartridges for repacks", Barcodes: []string{"SC[0-9][0-9][0-9][0-9]L9"}},
		},
		StorageClasses: []classConfig{
			{Name: "cms-raw", Pools: []string{"cms-1", "cms-2"}},
			{Name: "cms-derived", Pools: []string{"cms-1"}},
		},
		DefaultStorageClass: "cms-raw",
		changer:             devices.ChangerSpec{Driver: devices.DriverSG, Device: "/dev/sch0"},
	}
	if d := cmp.Diff(want, cfg, cmp.AllowUnexported(fileConfig{}), cmpopts.IgnoreFields(fileConfig{}, "Policy")); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	pol := cfg.Policy.policy()
	wantPol := scheduler.DefaultPolicy()
	wantPol.MinAge, wantPol.MaxAge, wantPol.ArchiveMaxAge, wantPol.DismountDelay = 30*time.Second, 4*time.Hour, 30*time.Minute, 2*time.Minute
	wantPol.ArchiveMinBytes = 100e9
	wantPol.Shares = map[string]float64{"default": 3, "repack": 1}
	if d := cmp.Diff(wantPol, pol); d != "" {
		t.Errorf("policy (-want +got):\n%s", d)
	}
	for barcode, want := range map[string]string{"CMA001L9": "cms-1", "CMB001L9": "cms-2", "SC0001L9": "scratch", "SC001L9": "", "XX0001L9": ""} {
		if got, _ := cfg.poolFor(barcode); got != want {
			t.Errorf("poolFor(%q) = %q, want %q", barcode, got, want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := parseConfig("c.json", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SiteName != "tapekit" || cfg.DefaultStorageClass != "c" || cfg.Catalog != "" {
		t.Errorf("defaults: site %q, class %q, catalog %q", cfg.SiteName, cfg.DefaultStorageClass, cfg.Catalog)
	}
	if d := cmp.Diff(scheduler.DefaultPolicy(), cfg.Policy.policy()); d != "" {
		t.Errorf("no policy is DefaultPolicy (-want +got):\n%s", d)
	}
	// Zero turns a limit off; it is not "left out".
	cfg, err = parseConfig("c.json", []byte(strings.Replace(minimal, `"host"`, `"policy": {"max_age": "0s", "archive_min_bytes": 0}, "host"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Policy.policy(); p.MaxAge != 0 || p.ArchiveMinBytes != 0 {
		t.Errorf("zeros: max age %v, archive min bytes %d", p.MaxAge, p.ArchiveMinBytes)
	}
}

// TestConfigErrors: each mistake is refused with the field it is in, its
// line where the file says, and what is wrong.
func TestConfigErrors(t *testing.T) {
	// with replaces old by new in minimal.
	with := func(old, new string) string {
		if !strings.Contains(minimal, old) {
			t.Fatalf("minimal has no %q", old)
		}
		return strings.Replace(minimal, old, new, 1)
	}
	for _, c := range []struct {
		name, in string
		field    string
		line     int
		msg      string
	}{
		{"empty", "", "", 0, "empty: want a JSON object"},
		{"not JSON", "host: x", "", 1, "invalid character"},
		{"cut short", minimal[:40], "", 3, "cut short"},
		{"trailing", minimal + "{}", "", 6, "data after the closing brace"},
		{"unknown field", with(`"drives"`, `"drivs"`), "library.drivs", 3, `unknown field "drivs"`},
		{"unknown top field", with(`"host": "hsm1",`, `"host": "hsm1", "hots": 1,`), "hots", 2, `unknown field "hots"`},
		{"wrong type", with(`"drives": [{"name": "d0"}]`, `"drives": {"name": "d0"}`), "library.drives", 3, "want a list, not a JSON object"},
		{"element not a number", with(`{"name": "d0"}`, `{"name": "d0", "element": "500"}`), "library.drives.element", 3, "want a whole number, not a JSON string"},
		{"no host", with(`"host": "hsm1",`, ``), "host", 0, "missing"},
		{"bad host", with(`"hsm1"`, `"hsm 1"`), "host", 2, `"hsm 1": want up to 64 letters`},
		{"no library name", with(`"name": "lib", `, ``), "library.name", 0, "missing"},
		{"no changer", with(`"changer": "sim-sg:/tmp/lib", `, ``), "library.changer", 0, "missing"},
		{"bad changer", with(`sim-sg:/tmp/lib`, `smc:/dev/sg0`), "library.changer", 3, `unknown driver "smc"`},
		{"no drives", with(`[{"name": "d0"}]`, `[]`), "library.drives", 3, "no drives"},
		{"drive without name", with(`{"name": "d0"}`, `{"device": "/dev/nst0"}`), "library.drives[0].name", 0, "missing"},
		{"duplicate drive", with(`{"name": "d0"}`, `{"name": "d0"}, {"name": "d0"}`), "library.drives[1].name", 3, `"d0": a drive of that name is declared already`},
		{"bad device", with(`{"name": "d0"}`, `{"name": "d0", "device": "nst0"}`), "library.drives[0].device", 3, "want a device path"},
		{"bad sim device", with(`{"name": "d0"}`, `{"name": "d0", "device": "sim-sg:/tmp/lib:x"}`), "library.drives[0].device", 3, `drive "x" is not a drive number`},
		{"mtx without device", with(`sim-sg:/tmp/lib`, `mtx:/dev/sg3`), "library.drives[0].device", 0, "mtx reports no drive serial numbers"},
		{"element out of range", with(`{"name": "d0"}`, `{"name": "d0", "element": 70000}`), "library.drives[0].element", 3, "between 0 and 65535"},
		{"duplicate element", with(`{"name": "d0"}`, `{"name": "d0", "element": 500}, {"name": "d1", "element": 500}`), "library.drives[1].element", 3, "another drive is at that element"},
		{"no pools", with(`[{"name": "p", "barcodes": ["TK"]}]`, `[]`), "pools", 4, "no pools"},
		{"duplicate pool", with(`{"name": "p", "barcodes": ["TK"]}`, `{"name": "p"}, {"name": "p"}`), "pools[1].name", 4, "declared already"},
		{"empty barcode", with(`["TK"]`, `[""]`), "pools[0].barcodes[0]", 4, "empty"},
		{"bad pattern", with(`["TK"]`, `["TK[0-"]`), "pools[0].barcodes[0]", 4, "not a valid pattern"},
		{"pattern twice", with(`{"name": "p", "barcodes": ["TK"]}`, `{"name": "p", "barcodes": ["TK"]}, {"name": "q", "barcodes": ["TK"]}`), "pools[1].barcodes[0]", 4, `already a pattern of pool "p"`},
		{"no classes", with(`[{"name": "c", "pools": ["p"]}]`, `[]`), "storage_classes", 5, "no storage classes"},
		{"class of unknown pool", with(`["p"]`, `["q"]`), "storage_classes[0].pools[0]", 5, `"q" is not a declared pool`},
		{"class without pools", with(`["p"]`, `[]`), "storage_classes[0].pools", 5, "no pools"},
		{"pool twice in a class", with(`["p"]`, `["p", "p"]`), "storage_classes[0].pools[1]", 5, "each copy goes to its own pool"},
		{"duplicate class", with(`{"name": "c", "pools": ["p"]}`, `{"name": "c", "pools": ["p"]}, {"name": "c", "pools": ["p"]}`), "storage_classes[1].name", 5, "declared already"},
		{"default class unknown", with(`"host"`, `"default_storage_class": "x", "host"`), "default_storage_class", 2, `"x" is not a declared storage class`},
		{"default class needed", with(`{"name": "c", "pools": ["p"]}`, `{"name": "c", "pools": ["p"]}, {"name": "d", "pools": ["p"]}`), "default_storage_class", 0, "there are 2 storage classes"},
		{"bad duration", with(`"host"`, `"policy": {"min_age": "90"}, "host"`), "policy.min_age", 2, `"90" is not a duration`},
		{"duration a number", with(`"host"`, `"policy": {"min_age": 90}, "host"`), "policy.min_age", 2, "want a string, not a JSON number"},
		{"negative duration", with(`"host"`, `"policy": {"dismount_delay": "-1s"}, "host"`), "policy.dismount_delay", 2, "negative"},
		{"negative count", with(`"host"`, `"policy": {"min_files": -1}, "host"`), "policy.min_files", 2, "negative"},
		{"zero share", with(`"host"`, `"policy": {"shares": {"repack": 0}}, "host"`), "policy.shares.repack", 2, "above 0"},
		{"fraction of bytes", with(`"host"`, `"policy": {"min_bytes": 1.5}, "host"`), "policy.min_bytes", 2, "want a whole number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("c.json", []byte(c.in))
			var ce *configError
			if !errors.As(err, &ce) {
				t.Fatalf("%v, want a *configError", err)
			}
			if ce.Field != c.field || ce.Line != c.line || !strings.Contains(err.Error(), c.msg) || ce.File != "c.json" {
				t.Errorf("%v (field %q, line %d); want field %q, line %d, saying %q", err, ce.Field, ce.Line, c.field, c.line, c.msg)
			}
		})
	}
}

func TestLoadConfigFile(t *testing.T) {
	if _, err := loadConfig(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte(strings.Repeat(" ", maxConfigSize)+minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(big); !errors.Is(err, errConfigTooLarge) {
		t.Errorf("a file over %d bytes: %v", maxConfigSize, err)
	}
}

// FuzzLoadConfig: whatever the file holds, parseConfig never panics and
// returns either an error or a config that is valid, survives encoding
// and decoding unchanged, and gives a policy.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte(minimal))
	if b, err := os.ReadFile(filepath.Join("testdata", "library.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"host": "h", "policy": {"shares": {"": 1}}}`))
	f.Add([]byte(`{"library": {"drives": [{"element": 1e9}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parseConfig("fuzz.json", data)
		if err != nil {
			var ce *configError
			if !errors.As(err, &ce) || err.Error() == "" {
				t.Fatalf("error is not a *configError: %v", err)
			}
			return
		}
		again := cfg
		if err := again.validate(); err != nil {
			t.Fatalf("a config parseConfig accepted does not validate again: %v", err)
		}
		b, err := jsonMarshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseConfig("again.json", b)
		if err != nil {
			t.Fatalf("re-encoded config refused: %v\n%s", err, b)
		}
		if d := cmp.Diff(cfg, back, cmp.AllowUnexported(fileConfig{}), cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
		_ = cfg.Policy.policy()
	})
}

func jsonMarshal(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
