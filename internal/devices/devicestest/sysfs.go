// Package devicestest builds the host-side fixtures the tests of device
// code need: a sysfs tree laid out as Linux lays out its SCSI devices.
package devicestest

import (
	"os"
	"path/filepath"
	"testing"
)

// Serial is the unit serial number of the tape drive in Sysfs's tree.
const Serial = "1013000123"

// Sysfs builds a sysfs tree in a temporary directory with a library on
// sg0 (sch0), an LTO drive with serial number Serial on sg1 (nst0) and a
// disk on sg2, in the kernel's layout, and returns its root.
func Sysfs(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	add := func(hctl, typ, vendor, model, rev, sg, class, nodeName string, vpd80 []byte) {
		dev := filepath.Join(root, "devices", "pci0000:00", "host0", "target"+hctl[:5], hctl)
		mk := func(p string) {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		ln := func(target, name string) {
			mk(filepath.Dir(name))
			if err := os.Symlink(target, name); err != nil {
				t.Fatal(err)
			}
		}
		mk(filepath.Join(dev, "scsi_generic", sg))
		for name, v := range map[string]string{"type": typ, "vendor": vendor, "model": model, "rev": rev} {
			if err := os.WriteFile(filepath.Join(dev, name), []byte(v+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if vpd80 != nil {
			if err := os.WriteFile(filepath.Join(dev, "vpd_pg80"), vpd80, 0o444); err != nil {
				t.Fatal(err)
			}
		}
		ln("../../../"+hctl, filepath.Join(dev, "scsi_generic", sg, "device"))
		ln("../../devices/pci0000:00/host0/target"+hctl[:5]+"/"+hctl+"/scsi_generic/"+sg, filepath.Join(root, "class", "scsi_generic", sg))
		if class != "" {
			mk(filepath.Join(dev, class, nodeName))
		}
	}
	add("0:0:0:0", "8", "STK     ", "L80             ", "0107", "sg0", "scsi_changer", "sch0", nil)
	add("0:0:1:0", "1", "IBM     ", "ULT3580-TD8     ", "Q3F5", "sg1", "scsi_tape", "nst0", append([]byte{1, 0x80, 0, byte(len(Serial))}, Serial...))
	add("0:0:2:0", "0", "ATA     ", "DISK            ", "1.0 ", "sg2", "", "", nil)
	return root
}
