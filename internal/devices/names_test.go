package devices_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/internal/devices"
)

func TestParseChanger(t *testing.T) {
	for in, want := range map[string]devices.ChangerSpec{
		"sg:/dev/sg5":           {Driver: devices.DriverSG, Device: "/dev/sg5"},
		"mtx:/dev/tape/by-id/x": {Driver: devices.DriverMTX, Device: "/dev/tape/by-id/x"},
		"sim-sg:/tmp/a:b":       {Driver: devices.SimSG, Device: "/tmp/a:b"},
	} {
		got, err := devices.ParseChanger(in)
		if err != nil {
			t.Errorf("ParseChanger(%q): %v", in, err)
			continue
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ParseChanger(%q) (-want +got):\n%s", in, d)
		}
		if got.String() != in {
			t.Errorf("ParseChanger(%q).String() = %q", in, got.String())
		}
	}
	for in, want := range map[string]string{
		"sg":           `"sg": want DRIVER:DEVICE, such as sg:/dev/sg5, mtx:/dev/sg5 or sim-sg:DIR`,
		"sg:":          `"sg:": want DRIVER:DEVICE`,
		"":             `"": want DRIVER:DEVICE`,
		"smc:/dev/sg0": `"smc:/dev/sg0": unknown driver "smc": sg (SCSI media changer commands`,
	} {
		_, err := devices.ParseChanger(in)
		var se *devices.SpecError
		if !errors.As(err, &se) || se.Spec != in || !contains(err.Error(), want) {
			t.Errorf("ParseChanger(%q) = %v, want a *SpecError saying %q", in, err, want)
		}
	}
}

func TestParseSimDrive(t *testing.T) {
	d, ok, err := devices.ParseSimDrive("sim-sg:/tmp/a:b:3")
	if !ok || err != nil || d != (devices.SimDrive{Dir: "/tmp/a:b", N: 3}) {
		t.Errorf("ParseSimDrive with a colon in DIR: %+v %v %v", d, ok, err)
	}
	if _, ok, err := devices.ParseSimDrive("/dev/nst0"); ok || err != nil {
		t.Errorf("ParseSimDrive(/dev/nst0) = %v, %v; want not a simulated drive, no error", ok, err)
	}
	for in, want := range map[string]string{
		"sim-sg:/tmp/x":    "want sim-sg:DIR:N",
		"sim-sg::1":        "want sim-sg:DIR:N",
		"sim-sg:/tmp/x:a":  `drive "a" is not a drive number`,
		"sim-sg:/tmp/x:-1": `drive "-1" is not a drive number`,
	} {
		_, ok, err := devices.ParseSimDrive(in)
		var se *devices.SpecError
		if !ok || !errors.As(err, &se) || !contains(err.Error(), want) {
			t.Errorf("ParseSimDrive(%q) = %v, %v; want a *SpecError saying %q", in, ok, err, want)
		}
	}
}
