package main

import (
	"context"
	"io"
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

func TestParseChanger(t *testing.T) {
	for in, want := range map[string]changerSpec{
		"sg:/dev/sg5":           {driverSG, "/dev/sg5"},
		"mtx:/dev/tape/by-id/x": {driverMTX, "/dev/tape/by-id/x"},
		"sim-sg:/tmp/a:b":       {simSG, "/tmp/a:b"},
	} {
		got, err := parseChanger(in)
		if err != nil || got != want {
			t.Errorf("parseChanger(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	d, ok, err := parseSimDrive("sim-sg:/tmp/a:b:3")
	if !ok || err != nil || d != (simDrive{"/tmp/a:b", 3}) {
		t.Errorf("parseSimDrive with a colon in DIR: %+v %v %v", d, ok, err)
	}
	for in, want := range map[string]int{"/dev/nst0": 0, "/dev/st12": 12, "/dev/nst3l": 3, "nst1a": 1} {
		if n, ok := tapeNodeNumber(in); !ok || n != want {
			t.Errorf("tapeNodeNumber(%q) = %d, %v; want %d", in, n, ok, want)
		}
	}
	for _, in := range []string{"/dev/sg0", "/dev/sch0", "/dev/nst", "/dev/stx"} {
		if n, ok := tapeNodeNumber(in); ok {
			t.Errorf("tapeNodeNumber(%q) = %d, want not a tape node", in, n)
		}
	}
}

// TestFindDriveBySysfsSerial checks the drive ↔ element matching on a
// real host's layout: the library's serial number for a drive element is
// looked up among the tape drives sysfs lists, without opening any.
func TestFindDriveBySysfsSerial(t *testing.T) {
	e := &env{sysfs: fakeSysfs(t), stderr: io.Discard}
	h := newHost(e)
	defer h.close()
	spec := changerSpec{driver: driverSG, device: "/dev/sg0"}
	for serial, want := range map[string]string{"1013000123": "/dev/sg1", "99999": ""} {
		got, err := h.findDrive(context.Background(), spec, serial)
		if err != nil || got != want {
			t.Errorf("findDrive(%q) = %q, %v; want %q", serial, got, err, want)
		}
	}
}
