package main

import (
	"strings"
	"testing"
)

// TestDeviceErrors checks what tapectl says about devices it cannot use.
// There is no SCSI on the test machines: opening /dev/sgN fails, and it
// must fail with a message an operator can act on, never a panic.
func TestDeviceErrors(t *testing.T) {
	sysfs := fakeSysfs(t) // sg0 = sch0 (changer), sg1 = nst0 (tape)
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no such sg", []string{"-f", "/dev/sg999", "status"}, 1, "cannot open tape drive /dev/sg999: there is no such device (tapectl devices lists"},
		{"no such sg, drive given", []string{"-f", "/dev/sg999", "read", "0", "1"}, 1, "cannot open tape drive /dev/sg999"},
		{"nst mapped to sg", []string{"-sysfs", sysfs, "-f", "/dev/nst0", "status"}, 1, "cannot open tape drive /dev/nst0 (/dev/sg1)"},
		{"nst mode variant", []string{"-sysfs", sysfs, "-f", "/dev/nst0a", "status"}, 1, "cannot open tape drive /dev/nst0a (/dev/sg1)"},
		{"nst not found", []string{"-sysfs", sysfs, "-f", "/dev/nst7", "status"}, 1, "no SCSI generic device in " + sysfs + " is /dev/nst7"},
		{"sch mapped to sg", []string{"-sysfs", sysfs, "-changer", "sg:/dev/sch0", "inventory"}, 1, "cannot open medium changer /dev/sch0 (/dev/sg0)"},
		{"no such changer", []string{"-changer", "sg:/dev/sg998", "inventory"}, 1, "cannot open medium changer /dev/sg998"},
		{"unknown driver", []string{"-changer", "smc:/dev/sg0", "inventory"}, 2, `unknown driver "smc"`},
		{"no device", []string{"-changer", "sg", "inventory"}, 2, "want DRIVER:DEVICE"},
		{"sim-sg without drive", []string{"-f", "sim-sg:/tmp/x", "status"}, 2, "want sim-sg:DIR:N"},
		{"sim-sg bad drive", []string{"-f", "sim-sg:/tmp/x:a", "status"}, 2, `drive "a" is not a drive number`},
		{"sim and -f", []string{"-sim", t.TempDir(), "-f", "/dev/sg1", "status", "0"}, 2, "use it without -f and -changer"},
		{"sim-sg drive out of range", []string{"-f", "sim-sg:" + t.TempDir() + ":9", "status"}, 1, "no drive 9: the simulated library in"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := tapectl(t, "", nil, c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
				t.Errorf("tapectl %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stderr, c.code, c.msg)
			}
			if strings.Contains(r.stderr, "panic") || strings.Count(r.stderr, "\n") > 2 {
				t.Errorf("stderr is not one clear message:\n%s", r.stderr)
			}
		})
	}
}
