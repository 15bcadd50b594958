package sgio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/scsi"
)

// DeviceInfo describes one SCSI device found in sysfs, as `lsscsi -g`
// lists it.
type DeviceInfo struct {
	// HCTL is the host:channel:target:lun address, such as "2:0:1:0".
	HCTL string
	// Type is the peripheral device type: scsi.TypeTape (1) or
	// scsi.TypeMediumChanger (8), or another for other devices.
	Type     byte
	Vendor   string
	Model    string
	Revision string
	// Serial is the unit serial number (VPD page 80h) when the kernel
	// exposes it (vpd_pg80), else empty.
	Serial string
	// Generic is the SCSI generic node, such as "/dev/sg3": the node to
	// give Open.
	Generic string
	// Tape is the non-rewinding tape node ("/dev/nst0") for a tape drive
	// bound to the st driver, else empty.
	Tape string
	// Changer is the changer node ("/dev/sch0") for a medium changer bound
	// to the ch driver, else empty.
	Changer string
}

var (
	sgName      = regexp.MustCompile(`^sg([0-9]+)$`)
	nstName     = regexp.MustCompile(`^(?:scsi_tape:)?(nst[0-9]+)$`)
	schName     = regexp.MustCompile(`^(?:scsi_changer:)?(sch[0-9]+)$`)
	errNoDevice = errors.New("sgio: no device link")
)

// Discover lists the SCSI generic devices under the sysfs tree at root
// ("" means "/sys"), ordered by sg number. It reads
// class/scsi_generic/sgN/device, which links to the device directory
// holding type, vendor, model, rev, vpd_pg80 and the scsi_tape/ and
// scsi_changer/ directories that name the st and ch nodes. A system
// without SCSI generic devices gives an empty list, not an error.
func Discover(root string) ([]DeviceInfo, error) {
	if root == "" {
		root = "/sys"
	}
	class := filepath.Join(root, "class", "scsi_generic")
	entries, err := os.ReadDir(class)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sgio: discover: %w", err)
	}
	type found struct {
		n    int
		info DeviceInfo
	}
	var all []found
	for _, e := range entries {
		m := sgName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		info, err := describe(filepath.Join(class, e.Name(), "device"))
		if errors.Is(err, errNoDevice) {
			continue // a generic node without a SCSI device behind it
		}
		if err != nil {
			return nil, fmt.Errorf("sgio: discover %s: %w", e.Name(), err)
		}
		info.Generic = "/dev/" + e.Name()
		n, _ := strconv.Atoi(m[1])
		all = append(all, found{n, info})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n < all[j].n })
	out := make([]DeviceInfo, len(all))
	for i, f := range all {
		out[i] = f.info
	}
	return out, nil
}

func describe(link string) (DeviceInfo, error) {
	dir, err := filepath.EvalSymlinks(link)
	if errors.Is(err, fs.ErrNotExist) {
		return DeviceInfo{}, errNoDevice
	}
	if err != nil {
		return DeviceInfo{}, err
	}
	info := DeviceInfo{HCTL: filepath.Base(dir)}
	t, err := readAttr(dir, "type")
	if err != nil {
		return DeviceInfo{}, err
	}
	typ, err := strconv.ParseUint(t, 10, 8)
	if err != nil {
		return DeviceInfo{}, fmt.Errorf("device type %q: %w", t, err)
	}
	info.Type = byte(typ)
	// vendor, model and rev are optional: a missing one is left empty.
	info.Vendor, _ = readAttr(dir, "vendor")
	info.Model, _ = readAttr(dir, "model")
	info.Revision, _ = readAttr(dir, "rev")
	if pg, err := os.ReadFile(filepath.Join(dir, "vpd_pg80")); err == nil {
		if s, err := scsi.ParseUnitSerial(pg); err == nil {
			info.Serial = s
		}
	}
	info.Tape = node(dir, "scsi_tape", nstName)
	info.Changer = node(dir, "scsi_changer", schName)
	return info, nil
}

func readAttr(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// node finds the device node of a class under dir: in the class
// subdirectory (dir/scsi_tape/nst0) or, on kernels built with deprecated
// sysfs links, as dir/scsi_tape:nst0.
func node(dir, class string, re *regexp.Regexp) string {
	for _, d := range []string{filepath.Join(dir, class), dir} {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if d == dir && !strings.HasPrefix(e.Name(), class+":") {
				continue
			}
			if m := re.FindStringSubmatch(e.Name()); m != nil {
				return "/dev/" + m[1]
			}
		}
	}
	return ""
}
