// Command hsmwalk walks a running example HSM (examples/hsm) on
// 127.0.0.1:8080 through its tape side, with the token in
// TAPEKIT_HSM_TOKEN: a 3 MB PUT, archived, evicted, staged back and read
// whole; a drive (d1) put down and back up; a label (E01006L8), an export
// (E01005L8) and an import. It is the client of scripts/realkernel-hsm.sh,
// which runs the HSM on mhvtl's library in the real-kernel VM, so it
// speaks of that library's drives and cartridges. It exits 1 when a step
// failed.
package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"
)

var base = "http://127.0.0.1:8080"

func do(method, path, body string) (int, string) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("TAPEKIT_HSM_TOKEN"))
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

func step(name string, code int, body string) {
	fmt.Printf("== %s: %d %.600s\n", name, code, body)
}

func wait(name string, d time.Duration, f func() (bool, string)) bool {
	end := time.Now().Add(d)
	for {
		ok, last := f()
		if ok {
			fmt.Printf("== %s: ok\n", name)
			return true
		}
		if time.Now().After(end) {
			fmt.Printf("== %s: TIMEOUT %.1500s\n", name, last)
			return false
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func main() {
	fail := 0
	for i := 0; i < 120; i++ {
		if c, _ := do("GET", "/healthz", ""); c == 200 {
			break
		}
		time.Sleep(time.Second)
	}
	data := make([]byte, 3<<20+12345)
	rand.Read(data)
	c, b := do("PUT", "/files/rk/f1", string(data))
	step("PUT", c, b)
	c, b = do("GET", "/admin/v1/volumes", "")
	step("volumes", c, b)
	c, b = do("GET", "/admin/v1/drives", "")
	step("drives", c, b)
	if !wait("archived", 180*time.Second, func() (bool, string) {
		_, b := do("POST", "/api/v1/archiveinfo", `{"paths":["/rk/f1"]}`)
		return strings.Contains(b, "DISK_AND_TAPE"), b
	}) {
		fail++
	}
	c, b = do("POST", "/admin/v1/evict", `{"paths":["/rk/f1"]}`)
	step("evict", c, b)
	c, b = do("POST", "/api/v1/stage", `{"files":[{"path":"/rk/f1"}]}`)
	step("stage", c, b)
	id := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(b)
	if id == nil {
		fail++
	} else if !wait("stage completed", 180*time.Second, func() (bool, string) {
		_, b := do("GET", "/api/v1/stage/"+id[1], "")
		return strings.Contains(b, `"COMPLETED"`) || strings.Contains(b, "FAILED"), b
	}) {
		fail++
	}
	c, got := do("GET", "/files/rk/f1", "")
	fmt.Printf("== GET: %d, %d bytes, identical %v\n", c, len(got), bytes.Equal([]byte(got), data))
	if !bytes.Equal([]byte(got), data) {
		fail++
	}
	c, b = do("POST", "/admin/v1/drives/d1/down", `{"reason":"vm test"}`)
	step("d1 down", c, b)
	wait("d1 stopped", 60*time.Second, func() (bool, string) {
		_, b := do("GET", "/admin/v1/drives", "")
		return strings.Contains(b, `"name":"d1","up":false,"down_reason":"vm test","busy":false,"working":false`), b
	})
	c, b = do("POST", "/admin/v1/drives/d1/up", "")
	step("d1 up", c, b)
	c, b = do("POST", "/admin/v1/volumes/E01006L8/label", "")
	step("label E01006L8", c, b)
	if c != 200 {
		fail++
	}
	c, b = do("POST", "/admin/v1/volumes/E01005L8/export", "")
	step("export E01005L8", c, b)
	if c != 200 {
		fail++
	}
	c, b = do("POST", "/admin/v1/import", `{"pool":"tape"}`)
	step("import", c, b)
	if !strings.Contains(b, "reactivated") {
		fail++
	}
	c, b = do("GET", "/admin/v1/libraries", "")
	step("libraries", c, b)
	c, b = do("GET", "/metrics", "")
	for _, l := range strings.Split(b, "\n") {
		if strings.HasPrefix(l, "hsm_drive_up") || strings.HasPrefix(l, "hsm_tape_") {
			fmt.Println(l)
		}
	}
	fmt.Printf("== failures: %d\n", fail)
	if fail > 0 {
		os.Exit(1)
	}
}
