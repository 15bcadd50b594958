package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/internal/devices/devicestest"
	"github.com/tapekit/tapekit/scsi"
)

// TestWrongDeviceType: a tape drive given as the changer, or the changer
// given as a tape drive, is refused before any other command reaches it,
// with what the device is and how to name it.
func TestWrongDeviceType(t *testing.T) {
	const (
		driveAsChanger = "/dev/sg1 is a tape drive (IBM ULT3580-TD9), not a medium changer: give it with -f, and the library's changer with -changer"
		changerAsDrive = "/dev/sg0 is a medium changer (TAPEKIT SIMLIBRARY), not a tape drive: give it with -changer sg:/dev/sg0, and the tape drive with -f"
	)
	for _, c := range []struct {
		changer, device string
		args            []string
		want            string
		wantType        byte // the type of device refused
	}{
		{"sg:/dev/sg1", "", []string{"inventory"}, driveAsChanger, scsi.TypeTape},
		{"sg:/dev/sg1", "", []string{"load", "1", "0"}, driveAsChanger, scsi.TypeTape},
		{"sg:/dev/sg1", "/dev/sg1", []string{"status"}, driveAsChanger, scsi.TypeTape},
		{"", "/dev/sg0", []string{"status"}, changerAsDrive, scsi.TypeMediumChanger},
		{"", "/dev/sg0", []string{"inquiry"}, changerAsDrive, scsi.TypeMediumChanger},
		{"sg:/dev/sg0", "/dev/sg0", []string{"status"}, changerAsDrive, scsi.TypeMediumChanger},
	} {
		var out, errb bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, changer: c.changer, device: c.device, sysfs: t.TempDir(), openNode: devicestest.SGNodes(t)}
		err := commands[c.args[0]].run(context.Background(), e, c.args[1:])
		var te *scsi.DeviceTypeError
		if !errors.As(err, &te) || te.Device.DeviceType != c.wantType {
			t.Errorf("-changer %q -f %q %s: %v, want a *scsi.DeviceTypeError", c.changer, c.device, strings.Join(c.args, " "), err)
			continue
		}
		if d := cmp.Diff(c.want, err.Error()); d != "" {
			t.Errorf("-changer %q -f %q %s (-want +got):\n%s", c.changer, c.device, strings.Join(c.args, " "), d)
		}
	}

	// Named the right way round, both work.
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, changer: "sg:/dev/sg0", device: "/dev/sg1", sysfs: t.TempDir(), openNode: devicestest.SGNodes(t)}
	if err := commands["inventory"].run(context.Background(), e, nil); err != nil || !strings.Contains(out.String(), "Drive 0: Empty") {
		t.Errorf("inventory of the changer on /dev/sg0: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := commands["inquiry"].run(context.Background(), e, nil); err != nil || !strings.Contains(out.String(), "ULT3580-TD9") {
		t.Errorf("inquiry of the drive on /dev/sg1: %v\n%s", err, out.String())
	}
}
