package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSysfs builds a sysfs tree with an LTO drive on sg1 (nst0), a
// library on sg0 (sch0) and a disk on sg2, in the kernel's layout.
func fakeSysfs(t *testing.T) string {
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
	add("0:0:1:0", "1", "IBM     ", "ULT3580-TD8     ", "Q3F5", "sg1", "scsi_tape", "nst0", append([]byte{1, 0x80, 0, 10}, "1013000123"...))
	add("0:0:2:0", "0", "ATA     ", "DISK            ", "1.0 ", "sg2", "", "", nil)
	return root
}

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
