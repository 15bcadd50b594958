package devices_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/internal/devices"
	"github.com/tapekit/tapekit/internal/devices/devicestest"
	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestSGNode maps st and ch nodes, their mode variants and links to them,
// to their sg nodes through a sysfs tree laid out as Linux lays it out.
func TestSGNode(t *testing.T) {
	sysfs := devicestest.Sysfs(t)
	h := devices.NewHost(&devices.Options{Sysfs: sysfs})
	defer h.Close()
	link := filepath.Join(t.TempDir(), "by-id-drive")
	target := filepath.Join(t.TempDir(), "nst0")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/dev/nst0": "/dev/sg1", "/dev/st0": "/dev/sg1", "/dev/nst0a": "/dev/sg1", "/dev/nst0l": "/dev/sg1",
		"/dev/sch0": "/dev/sg0", "/dev/sg5": "/dev/sg5", "/dev/nst": "/dev/nst", "/dev/stx": "/dev/stx",
		link: "/dev/sg1",
	} {
		got, err := h.SGNode(in)
		if err != nil || got != want {
			t.Errorf("SGNode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"/dev/nst7", "/dev/sch3"} {
		_, err := h.SGNode(in)
		var ne *devices.NoNodeError
		if !errors.As(err, &ne) || ne.Device != in || !contains(err.Error(), "no SCSI generic device in "+sysfs+" is "+in) {
			t.Errorf("SGNode(%q): %v, want a *NoNodeError", in, err)
		}
	}
}

// TestFindDriveBySysfsSerial checks the drive ↔ element matching on a
// real host's layout: the library's serial number for a drive element is
// looked up among the tape drives sysfs lists, without opening any.
func TestFindDriveBySysfsSerial(t *testing.T) {
	h := devices.NewHost(&devices.Options{Sysfs: devicestest.Sysfs(t)})
	defer h.Close()
	spec := devices.ChangerSpec{Driver: devices.DriverSG, Device: "/dev/sg0"}
	for serial, want := range map[string]string{devicestest.Serial: "/dev/sg1", "99999": ""} {
		got, err := h.FindDrive(context.Background(), spec, serial)
		if err != nil || got != want {
			t.Errorf("FindDrive(%q) = %q, %v; want %q", serial, got, err, want)
		}
	}
}

// newSimDir returns the directory of a new simulated library in its
// default shape (4 drives), closed again so that a Host can open it.
func newSimDir(t *testing.T) string {
	dir := t.TempDir()
	l, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSimSG opens a simulated library's changer and drives through their
// SCSI targets, finds each drive by the serial number its element
// reports, and checks that the library is opened once for all of them.
func TestSimSG(t *testing.T) {
	ctx := context.Background()
	dir := newSimDir(t)
	h := devices.NewHost(nil)
	spec, err := devices.ParseChanger("sim-sg:" + dir)
	if err != nil {
		t.Fatal(err)
	}
	c, name, err := h.OpenChanger(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if name != "simulated library "+dir+" (SCSI)" {
		t.Errorf("name %q", name)
	}
	inv, err := c.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	drives := inv.OfType(changer.DataTransfer)
	if len(drives) != 4 {
		t.Fatalf("%d drives, want 4", len(drives))
	}
	l, err := h.Simulator(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, el := range drives {
		if el.DriveSerial == "" {
			t.Fatalf("drive element %d reports no serial number", el.Address)
		}
		dev, err := h.FindDrive(ctx, spec, el.DriveSerial)
		if err != nil || dev == "" {
			t.Fatalf("FindDrive(%q) = %q, %v", el.DriveSerial, dev, err)
		}
		d, _, _ := devices.ParseSimDrive(dev)
		if l.DriveAddress(d.N) != el.Address {
			t.Errorf("serial %s: %s is the drive at element %d, want %d", el.DriveSerial, dev, l.DriveAddress(d.N), el.Address)
		}
		tr, err := h.OpenDrive(ctx, dev)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := devices.UnitSerial(ctx, tr); err != nil || s != el.DriveSerial {
			t.Errorf("UnitSerial(%s) = %q, %v; want %q", dev, s, err, el.DriveSerial)
		}
		devices.CloseTransport(tr)
	}
	if dev, err := h.FindDrive(ctx, spec, "NO-SUCH-SERIAL"); err != nil || dev != "" {
		t.Errorf("FindDrive of an unknown serial = %q, %v; want none", dev, err)
	}
	if _, err := h.OpenDrive(ctx, fmt.Sprintf("sim-sg:%s:9", dir)); err == nil || !contains(err.Error(), "no drive 9: the simulated library in "+dir+" has drives 0 to 3") {
		t.Errorf("drive 9: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed, the library is free for the next.
	h2 := devices.NewHost(nil)
	if _, err := h2.Simulator(dir); err != nil {
		t.Errorf("reopening after Close: %v", err)
	}
	h2.Close()
}

// TestSimLocked: a simulated library another holder has open is refused
// with a message that says so.
func TestSimLocked(t *testing.T) {
	dir := newSimDir(t)
	h1, h2 := devices.NewHost(nil), devices.NewHost(nil)
	defer h1.Close()
	defer h2.Close()
	if _, err := h1.Simulator(dir); err != nil {
		t.Fatal(err)
	}
	_, err := h2.Simulator(dir)
	if !errors.Is(err, simulator.ErrLocked) || !contains(err.Error(), "is in use by another process") {
		t.Errorf("second holder: %v", err)
	}
}

// TestOpenErrors: devices that do not open, or are of the wrong kind,
// are refused with errors that carry the facts and read well.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	h := devices.NewHost(&devices.Options{Sysfs: devicestest.Sysfs(t), OpenNode: devicestest.SGNodes(t), MTXPath: filepath.Join(t.TempDir(), "no-mtx")})
	defer h.Close()

	_, err := h.OpenDrive(ctx, "/dev/sg0")
	var te *devices.TypeError
	var dte *scsi.DeviceTypeError
	if !errors.As(err, &te) || !errors.As(err, &dte) || dte.Device.DeviceType != scsi.TypeMediumChanger ||
		err.Error() != "/dev/sg0 is a medium changer (TAPEKIT SIMLIBRARY), not a tape drive" {
		t.Errorf("changer opened as a drive: %v", err)
	}
	_, _, err = h.OpenChanger(ctx, devices.ChangerSpec{Driver: devices.DriverSG, Device: "/dev/sg1"})
	if !errors.As(err, &te) || err.Error() != "/dev/sg1 is a tape drive (IBM ULT3580-TD9), not a medium changer" {
		t.Errorf("drive opened as a changer: %v", err)
	}

	for _, c := range []struct {
		dev, want string
		is        error
	}{
		{"/dev/sg9", "cannot open tape drive /dev/sg9: there is no such device", fs.ErrNotExist},
		{"/dev/nst0", "cannot open tape drive /dev/nst0 (/dev/sg1)", nil},
		{"/dev/sg7", "cannot open tape drive /dev/sg7: permission denied: run as root, or as a member of the group that owns /dev/sg7", fs.ErrPermission},
	} {
		tr, err := h.OpenDrive(ctx, c.dev)
		if c.is == nil {
			// /dev/nst0 is sg1 in the sysfs tree, which the simulator serves.
			if err != nil {
				t.Errorf("%s: %v", c.dev, err)
			} else {
				devices.CloseTransport(tr)
			}
			continue
		}
		var oe *devices.OpenError
		if !errors.As(err, &oe) || !errors.Is(err, c.is) || err.Error() != c.want {
			t.Errorf("%s: %v, want an *OpenError %q", c.dev, err, c.want)
		}
	}
	_, _, err = h.OpenChanger(ctx, devices.ChangerSpec{Driver: devices.DriverSG, Device: "/dev/sch0"})
	if err != nil {
		t.Errorf("/dev/sch0 (sg0 in sysfs): %v", err)
	}
	_, _, err = h.OpenChanger(ctx, devices.ChangerSpec{Driver: devices.DriverSG, Device: "/dev/sg8"})
	var oe *devices.OpenError
	if !errors.As(err, &oe) || oe.Kind != "medium changer" || err.Error() != "cannot open medium changer /dev/sg8: there is no such device" {
		t.Errorf("missing changer: %v", err)
	}
	_, _, err = h.OpenChanger(ctx, devices.ChangerSpec{Driver: devices.DriverMTX, Device: "/dev/sg0"})
	if !errors.Is(err, devices.ErrNoMTX) || !contains(err.Error(), "cannot run mtx") {
		t.Errorf("mtx missing: %v", err)
	}
	_, _, err = h.OpenChanger(ctx, devices.ChangerSpec{Driver: "smc", Device: "/dev/sg0"})
	var se *devices.SpecError
	if !errors.As(err, &se) {
		t.Errorf("unknown driver: %v, want a *SpecError", err)
	}
}
