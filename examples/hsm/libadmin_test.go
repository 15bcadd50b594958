package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The library side of the admin API over HTTP: the inventory, storage
// classes and volumes, a drive put down and up, a label (which borrows a
// drive and gives it back), a label refused on a volume with data, and an
// export followed by an import that makes the volume usable again.
func TestAdminLibraryActions(t *testing.T) {
	t.Setenv(tokenEnv, testToken)
	addr, _, stop := start(t, "-data", t.TempDir(), "-sim-speed", fastSim)
	defer stop()
	c := client{t, "http://" + addr}
	get := func(path string, v any) {
		t.Helper()
		code, b := c.do("GET", path, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, b)
		}
		if err := json.Unmarshal([]byte(b), v); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, b)
		}
	}
	want := func(what string, code int, b string, wantCode int, has string) {
		t.Helper()
		if code != wantCode || !strings.Contains(b, has) {
			t.Errorf("%s: %d %s; want %d with %q", what, code, b, wantCode, has)
		}
	}

	var libs []struct {
		Name                      string
		Drives, Ports, Cartridges int
		FreeSlots                 int `json:"free_slots"`
		Elements                  []struct{ Type, Barcode string }
	}
	get("/admin/v1/libraries", &libs)
	if len(libs) != 1 || libs[0].Name != "demo" || libs[0].Drives != 4 || libs[0].Ports != 2 || libs[0].Cartridges != 16 || libs[0].FreeSlots != 3 || len(libs[0].Elements) < 26 {
		t.Errorf("libraries: %+v", libs)
	}
	var classes []struct {
		Name  string
		Pools []string
	}
	get("/admin/v1/storage-classes", &classes)
	if len(classes) != 1 || classes[0].Name != demoClass || len(classes[0].Pools) != 1 || classes[0].Pools[0] != demoPool {
		t.Errorf("storage classes: %+v", classes)
	}
	var spareVols []struct {
		Barcode, Pool, State string
		LastFileSeq          int64 `json:"last_file_seq"`
	}
	if _, b := c.do("GET", "/admin/v1/volumes?pool=spare", ""); strings.Contains(b, `"copies"`) {
		t.Errorf("volumes list with copy counts it did not count: %s", b)
	}
	get("/admin/v1/volumes?pool=spare", &spareVols)
	if len(spareVols) != spares || spareVols[0].Pool != sparePool {
		t.Fatalf("spare volumes: %+v", spareVols)
	}

	// A drive down and up.
	code, b := c.do("POST", "/admin/v1/drives/drive1/down", `{"reason":"firmware update"}`)
	want("drive1 down", code, b, http.StatusOK, `"down_reason":"firmware update"`)
	until(t, 10*time.Second, "drive1 stopped", func() bool {
		_, b := c.do("GET", "/admin/v1/drives", "")
		return strings.Contains(b, `{"name":"drive1","up":false,"down_reason":"firmware update","busy":false,"working":false}`)
	})
	if _, m := c.do("GET", "/metrics", ""); !strings.Contains(m, `hsm_drive_up{drive="drive1"} 0`) || strings.Contains(m, `hsm_tape_errors_total{kind="drive_down"}`) {
		t.Errorf("metrics with drive1 put down: %s", grepLines(m, "hsm_drive_up", "hsm_tape_errors"))
	}
	code, b = c.do("POST", "/admin/v1/drives/drive1/up", "")
	want("drive1 up", code, b, http.StatusOK, `"up":true`)
	if _, m := c.do("GET", "/metrics", ""); !strings.Contains(m, `hsm_drive_up{drive="drive1"} 1`) {
		t.Errorf("metrics with drive1 back up: %s", grepLines(m, "hsm_drive_up"))
	}
	code, b = c.do("POST", "/admin/v1/drives/nope/down", "")
	want("down of an unknown drive", code, b, http.StatusNotFound, `"detail"`)
	code, b = c.do("POST", "/admin/v1/drives/drive1/down", `{"reason":`)
	want("down with a broken body", code, b, http.StatusBadRequest, `"detail"`)

	// Label a spare (twice: an empty labelled tape may be relabelled).
	blank := spareVols[0].Barcode
	for range 2 {
		code, b = c.do("POST", "/admin/v1/volumes/"+blank+"/label", "")
		want("label "+blank, code, b, http.StatusOK, `"format":"tapekit-pax"`)
	}
	code, b = c.do("POST", "/admin/v1/volumes/NOPE01L9/label", "")
	want("label of an unknown volume", code, b, http.StatusNotFound, "NOPE01L9")

	// A volume with data refuses a label.
	if code, b := c.do("PUT", "/files/lib/f", strings.Repeat("x", 100_000)); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, b)
	}
	var written string
	until(t, 20*time.Second, "a volume written", func() bool {
		var vs []struct {
			Barcode     string
			LastFileSeq int64 `json:"last_file_seq"`
		}
		get("/admin/v1/volumes?pool=tape", &vs)
		for _, v := range vs {
			if v.LastFileSeq > 0 {
				written = v.Barcode
				return true
			}
		}
		return false
	})
	code, b = c.do("POST", "/admin/v1/volumes/"+written+"/label", "")
	want("label of a volume with data", code, b, http.StatusConflict, "holds 1 tape files")

	// Export, then import back.
	out := spareVols[1].Barcode
	code, b = c.do("POST", "/admin/v1/volumes/"+out+"/export", "")
	want("export", code, b, http.StatusOK, `"port":`)
	code, b = c.do("GET", "/admin/v1/volumes/"+out, "")
	want("exported volume", code, b, http.StatusOK, `"state":"exported"`)
	code, b = c.do("POST", "/admin/v1/volumes/"+out+"/export", "")
	want("export twice", code, b, http.StatusConflict, "exported already")
	code, b = c.do("POST", "/admin/v1/import", `{}`)
	want("import without a pool", code, b, http.StatusBadRequest, "pool")
	code, b = c.do("POST", "/admin/v1/import", `{"pool":"spare"}`)
	want("import", code, b, http.StatusOK, `"barcode":"`+out+`"`)
	if !strings.Contains(b, `"volume":"reactivated"`) {
		t.Errorf("import: %s, want the volume reactivated", b)
	}
	code, b = c.do("GET", "/admin/v1/volumes/"+out, "")
	want("imported volume", code, b, http.StatusOK, `"state":"active"`)

	// Every drive is back at work.
	until(t, 10*time.Second, "four drives up", func() bool {
		_, b := c.do("GET", "/admin/v1/drives", "")
		return strings.Count(b, `"up":true`) == 4
	})
}
