package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapekit/tapekit/simulator"
)

// -config runs the HSM on the library a config file names, through the
// same device path as a real library: the changer through SCSI media
// changer commands (SMC) and the drives through SSC, here over the SCSI
// targets of a simulated library (sim-sg:DIR). Only the cartridges the
// pools' barcodes claim become volumes; a file goes through the whole
// walk-through (archived, evicted, staged, read back), and the flags the
// config file sets are refused beside it.
func TestConfigFileRunsTheLibrary(t *testing.T) {
	t.Setenv(tokenEnv, testToken)
	dir := t.TempDir()
	libDir := filepath.Join(dir, "lib")
	simCfg := &simulator.Config{Slots: 10, Ports: 1}
	for range 2 {
		simCfg.Drives = append(simCfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i, bc := range []string{"CA0001L9", "CA0002L9", "SC0001L9", "XX0001L9"} {
		simCfg.Cartridges = append(simCfg.Cartridges, simulator.CartridgeConfig{Barcode: bc, Slot: i + 1})
	}
	lib, err := simulator.Open(libDir, simCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"host":    "cfg-host",
		"library": map[string]any{"name": "site-lib", "changer": "sim-sg:" + libDir, "drives": []map[string]any{{"name": "lto-a"}, {"name": "lto-b"}}},
		"pools": []map[string]any{
			{"name": "raw-1", "barcodes": []string{"CA"}},
			{"name": "scratch", "barcodes": []string{"SC[0-9]*"}},
		},
		"storage_classes": []map[string]any{{"name": "raw", "pools": []string{"raw-1"}}},
		"policy":          map[string]any{"archive_min_bytes": 0, "archive_min_files": 0, "archive_max_age": "0s", "dismount_delay": "1s"},
	}
	cb, _ := json.Marshal(cfg)
	file := filepath.Join(dir, "library.json")
	if err := os.WriteFile(file, cb, 0o644); err != nil {
		t.Fatal(err)
	}
	var errs bytes.Buffer
	if code := run(t.Context(), []string{"-data", dir, "-config", file, "-host", "x"}, &bytes.Buffer{}, &errs, nil); code != 2 || !strings.Contains(errs.String(), "-host") {
		t.Errorf("-config with -host: exit %d, %s", code, errs.String())
	}

	addr, out, stop := start(t, "-data", filepath.Join(dir, "data"), "-config", file)
	defer stop()
	if !strings.Contains(out.String(), `library "site-lib" from `+file+`, host "cfg-host"`) {
		t.Errorf("banner: %s", out)
	}
	c := client{t, "http://" + addr}
	var vols []struct{ Barcode, Pool, Library string }
	_, vb := c.do("GET", "/admin/v1/volumes", "")
	if err := json.Unmarshal([]byte(vb), &vols); err != nil {
		t.Fatalf("volumes: %v %s", err, vb)
	}
	got := map[string]string{}
	for _, v := range vols {
		got[v.Barcode] = v.Pool + "@" + v.Library
	}
	want := map[string]string{"CA0001L9": "raw-1@site-lib", "CA0002L9": "raw-1@site-lib", "SC0001L9": "scratch@site-lib"}
	if len(got) != len(want) || got["CA0001L9"] != want["CA0001L9"] || got["CA0002L9"] != want["CA0002L9"] || got["SC0001L9"] != want["SC0001L9"] {
		t.Errorf("volumes %v, want %v (XX0001L9, which no pool claims, left out)", got, want)
	}
	if _, d := c.do("GET", "/admin/v1/drives", ""); !strings.Contains(d, `"name":"lto-a","up":true`) || !strings.Contains(d, `"name":"lto-b","up":true`) {
		t.Errorf("drives: %s", d)
	}

	data := bytes.Repeat([]byte("configured library "), 20_000)
	if code, b := c.do("PUT", "/files/cfg/f", string(data)); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, b)
	}
	info := func() string {
		_, b := c.do("POST", "/api/v1/archiveinfo", `{"paths":["/cfg/f"]}`)
		return b
	}
	until(t, 60*time.Second, "archived", func() bool { return strings.Contains(info(), "DISK_AND_TAPE") })
	if code, b := c.do("POST", "/admin/v1/evict", `{"paths":["/cfg/f"]}`); code != http.StatusOK || !strings.Contains(b, `"evicted":true`) {
		t.Fatalf("evict: %d %s", code, b)
	}
	c.stageAndRead("/cfg/f", data, 60*time.Second)
	var vs []struct {
		Barcode     string
		LastFileSeq int64 `json:"last_file_seq"`
	}
	_, vb = c.do("GET", "/admin/v1/volumes?pool=raw-1", "")
	json.Unmarshal([]byte(vb), &vs)
	if len(vs) != 2 || vs[0].LastFileSeq+vs[1].LastFileSeq != 1 {
		t.Errorf("raw-1 after one archive: %s", vb)
	}
}
