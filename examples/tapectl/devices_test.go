package main

import (
	"strings"
	"testing"

	"github.com/tapekit/tapekit/internal/devices/devicestest"
)

// fakeSysfs builds a sysfs tree with an LTO drive on sg1 (nst0), a
// library on sg0 (sch0) and a disk on sg2, in the kernel's layout.
func fakeSysfs(t *testing.T) string { return devicestest.Sysfs(t) }

func TestDevices(t *testing.T) {
	root := fakeSysfs(t)
	code, out, errs := runTapectl(t, "", "devices", "-sysfs", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := `HCTL       TYPE     VENDOR  MODEL        REV   SERIAL      GENERIC   NODE
[0:0:0:0]  changer  STK     L80          0107  -           /dev/sg0  /dev/sch0
[0:0:1:0]  tape     IBM     ULT3580-TD8  Q3F5  1013000123  /dev/sg1  /dev/nst0
`
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	code, out, _ = runTapectl(t, "", "devices", "-all", "-json", "-sysfs", root)
	if code != 0 || !strings.Contains(out, `"type": "disk"`) || !strings.Contains(out, `"serial": "1013000123"`) {
		t.Errorf("json: exit %d, out:\n%s", code, out)
	}
	code, out, _ = runTapectl(t, "", "devices", "-sysfs", t.TempDir())
	if code != 0 || out != "no tape drives or medium changers found\n" {
		t.Errorf("empty: exit %d, out %q", code, out)
	}
	if code, _, _ := runTapectl(t, "", "devices", "extra"); code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
}
