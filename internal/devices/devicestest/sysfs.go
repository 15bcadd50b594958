package devicestest

import (
	"os"
	"path/filepath"
	"testing"
)

// Serial is the unit serial number of the tape drive in the fake tree.
const Serial = "1013000123"

// Sysfs builds the tree of WriteSysfs in a temporary directory of the
// test and returns its root.
func Sysfs(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	if err := WriteSysfs(root); err != nil {
		t.Fatal(err)
	}
	return root
}

// WriteSysfs writes under root a sysfs tree with a library on sg0 (sch0),
// an LTO drive with serial number Serial on sg1 (nst0) and a disk on sg2,
// in the kernel's layout.
func WriteSysfs(root string) error {
	type device struct {
		hctl, typ, vendor, model, rev, sg, class, node string
		vpd80                                          []byte
	}
	for _, d := range []device{
		{"0:0:0:0", "8", "STK     ", "L80             ", "0107", "sg0", "scsi_changer", "sch0", nil},
		{"0:0:1:0", "1", "IBM     ", "ULT3580-TD8     ", "Q3F5", "sg1", "scsi_tape", "nst0", append([]byte{1, 0x80, 0, byte(len(Serial))}, Serial...)},
		{"0:0:2:0", "0", "ATA     ", "DISK            ", "1.0 ", "sg2", "", "", nil},
	} {
		target := "target" + d.hctl[:5]
		dev := filepath.Join(root, "devices", "pci0000:00", "host0", target, d.hctl)
		dirs := []string{filepath.Join(dev, "scsi_generic", d.sg), filepath.Join(root, "class", "scsi_generic")}
		if d.class != "" {
			dirs = append(dirs, filepath.Join(dev, d.class, d.node))
		}
		for _, p := range dirs {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		}
		files := map[string][]byte{"type": []byte(d.typ + "\n"), "vendor": []byte(d.vendor + "\n"), "model": []byte(d.model + "\n"), "rev": []byte(d.rev + "\n")}
		if d.vpd80 != nil {
			files["vpd_pg80"] = d.vpd80
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dev, name), b, 0o644); err != nil {
				return err
			}
		}
		links := map[string]string{
			filepath.Join(dev, "scsi_generic", d.sg, "device"): "../../../" + d.hctl,
			filepath.Join(root, "class", "scsi_generic", d.sg): "../../devices/pci0000:00/host0/" + target + "/" + d.hctl + "/scsi_generic/" + d.sg,
		}
		for name, to := range links {
			if err := os.Symlink(to, name); err != nil {
				return err
			}
		}
	}
	return nil
}
