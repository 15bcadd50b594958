package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// fatal is a failure mtx reports as "mtx: MESSAGE", exit status 1.
type fatal struct {
	sense string // request-sense dump printed first, if any
	msg   string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 3 || args[0] != "-f" {
		fmt.Fprintln(stderr, "Usage: mtxsim -f DIR status|load|unload|transfer|inventory [args]")
		return 1
	}
	lib, err := simulator.Open(args[1], nil, nil)
	if err != nil {
		fmt.Fprintf(stderr, "mtx: cannot open SCSI device '%s' - %v\n", args[1], err)
		return 1
	}
	defer lib.Close()
	m := &session{lib: lib, dev: args[1], cfg: lib.Config()}
	if f := m.do(ctx, args[2:], stdout); f != nil {
		fmt.Fprint(stderr, f.sense)
		fmt.Fprintf(stderr, "mtx: %s\n", f.msg)
		return 1
	}
	return 0
}

type session struct {
	lib *simulator.Library
	dev string
	cfg simulator.Config
}

// storage maps an mtx storage element number (slots, then I/E ports) to
// an element address.
func (m *session) storage(n int) (changer.Address, bool) {
	switch {
	case n >= 1 && n <= m.cfg.Slots:
		return m.lib.SlotAddress(n), true
	case n > m.cfg.Slots && n <= m.cfg.Slots+m.cfg.Ports:
		return m.lib.PortAddress(n - m.cfg.Slots), true
	}
	return 0, false
}

// number maps an element address back to its mtx storage number.
func (m *session) number(a changer.Address) int {
	for n := 1; n <= m.cfg.Slots+m.cfg.Ports; n++ {
		if s, _ := m.storage(n); s == a {
			return n
		}
	}
	return 0
}

func arg(args []string, i int) (int, bool) {
	if i >= len(args) {
		return 0, false
	}
	n, err := strconv.Atoi(args[i])
	return n, err == nil && n >= 0
}

func (m *session) do(ctx context.Context, args []string, stdout io.Writer) *fatal {
	switch args[0] {
	case "status":
		return m.status(ctx, stdout)
	case "inventory":
		if err := m.lib.Changer().Reinventory(ctx); err != nil {
			return senseFailure(err, "INITIALIZE ELEMENT STATUS Failed")
		}
		return nil
	case "load":
		slot, ok := arg(args, 1)
		if !ok {
			return &fatal{msg: "No source specified"}
		}
		drive, ok := arg(args, 2)
		if !ok {
			drive = 0
		}
		src, ok := m.storage(slot)
		if !ok {
			return &fatal{msg: fmt.Sprintf("Invalid <storage-element-number> argument '%d' to 'load' command", slot)}
		}
		if drive >= len(m.cfg.Drives) {
			return &fatal{msg: fmt.Sprintf("illegal <drive-number> argument '%d' to 'load' command", drive)}
		}
		inv, f := m.inventory(ctx)
		if f != nil {
			return f
		}
		if d, _ := inv.Element(m.lib.DriveAddress(drive)); d.Full {
			return &fatal{msg: fmt.Sprintf("Drive %d Full (Storage Element %d loaded)", drive, m.number(d.Source))}
		}
		fmt.Fprintf(stdout, "Loading media from Storage Element %d into drive %d...", slot, drive)
		if f := m.move(ctx, inv, src, m.lib.DriveAddress(drive)); f != nil {
			return f
		}
		fmt.Fprintln(stdout, "done")
	case "unload":
		slot, haveSlot := arg(args, 1)
		drive, ok := arg(args, 2)
		if !ok {
			drive = 0
		}
		if drive >= len(m.cfg.Drives) {
			return &fatal{msg: fmt.Sprintf("illegal <drive-number> argument '%d' to 'unload' command", drive)}
		}
		inv, f := m.inventory(ctx)
		if f != nil {
			return f
		}
		d, _ := inv.Element(m.lib.DriveAddress(drive))
		if !d.Full {
			return &fatal{msg: fmt.Sprintf("Data Transfer Element %d is Empty", drive)}
		}
		if !haveSlot || slot == 0 {
			if !d.SourceValid {
				return &fatal{msg: "No Source Element Address for unload"}
			}
			slot = m.number(d.Source)
		}
		dst, ok := m.storage(slot)
		if !ok {
			return &fatal{msg: fmt.Sprintf("illegal <storage-element-number> argument '%d' to 'unload' command", slot)}
		}
		if e, _ := inv.Element(dst); e.Full {
			return &fatal{msg: fmt.Sprintf("Storage Element %d is Already Full", slot)}
		}
		fmt.Fprintf(stdout, "Unloading drive %d into Storage Element %d...", drive, slot)
		if f := m.move(ctx, inv, d.Address, dst); f != nil {
			return f
		}
		fmt.Fprintln(stdout, "done")
	case "transfer":
		from, ok1 := arg(args, 1)
		to, ok2 := arg(args, 2)
		switch {
		case !ok1 || from < 1:
			return &fatal{msg: "No source specified"}
		case !ok2 || to < 1:
			return &fatal{msg: "No destination specified"}
		}
		src, ok := m.storage(from)
		if !ok {
			return &fatal{msg: "Invalid source"}
		}
		dst, ok := m.storage(to)
		if !ok {
			return &fatal{msg: "Invalid destination"}
		}
		inv, f := m.inventory(ctx)
		if f != nil {
			return f
		}
		return m.move(ctx, inv, src, dst)
	default:
		return &fatal{msg: fmt.Sprintf("Invalid command '%s'", args[0])}
	}
	return nil
}

func (m *session) inventory(ctx context.Context) (changer.Inventory, *fatal) {
	inv, err := m.lib.Changer().Inventory(ctx)
	if err != nil {
		return nil, senseFailure(err, "READ ELEMENT STATUS Command Failed")
	}
	return inv, nil
}

// move does MOVE MEDIUM and reports its failures as mtx does.
func (m *session) move(ctx context.Context, inv changer.Inventory, from, to changer.Address) *fatal {
	if e, _ := inv.Element(from); !e.Full {
		return &fatal{msg: fmt.Sprintf("Source Element Address %d is Empty", from)}
	}
	if e, _ := inv.Element(to); e.Full {
		return &fatal{msg: fmt.Sprintf("Destination Element Address %d is Already Full", to)}
	}
	if err := m.lib.Changer().Move(ctx, from, to); err != nil {
		return senseFailure(err, fmt.Sprintf("MOVE MEDIUM from Element Address %d to %d Failed", from, to))
	}
	return nil
}

// senseFailure turns a simulator error into the sense data a library
// returns for it.
func senseFailure(err error, msg string) *fatal {
	key, asc, ascq := "Illegal Request", 0x3B, 0x00
	switch {
	case errors.Is(err, changer.ErrSourceEmpty):
		asc, ascq = 0x3B, 0x0E
	case errors.Is(err, changer.ErrDestinationFull):
		asc, ascq = 0x3B, 0x0D
	case errors.Is(err, changer.ErrIncompatibleMedium):
		asc, ascq = 0x30, 0x00
	case errors.Is(err, changer.ErrInvalidElement):
		asc, ascq = 0x21, 0x01
	case errors.Is(err, changer.ErrRobotFailure):
		key, asc, ascq = "Hardware Error", 0x15, 0x01
	case errors.Is(err, changer.ErrDriveLoaded):
		asc, ascq = 0x53, 0x02
	case errors.Is(err, changer.ErrNotReady):
		key, asc, ascq = "Not Ready", 0x04, 0x01
	}
	return &fatal{sense: senseDump(key, asc, ascq), msg: msg}
}

// senseDump prints sense data the way mtx's RequestSense report does.
func senseDump(key string, asc, ascq int) string {
	var b strings.Builder
	for _, l := range []string{
		"Long Report=yes", "Valid Residual=no", "Error Code=70 (Current)",
		"Sense Key=" + key, "FileMark=no", "EOM=no", "ILI=no",
		fmt.Sprintf("Additional Sense Code = %02X", asc),
		fmt.Sprintf("Additional Sense Qualifier = %02X", ascq),
		"BPV=no", "Error in CDB=no", "SKSV=no",
	} {
		b.WriteString("mtx: Request Sense: " + l + "\n")
	}
	return b.String()
}

// status prints the library as `mtx status` does, volume tags padded to 32
// columns as mtx prints the 36-byte tag field.
func (m *session) status(ctx context.Context, w io.Writer) *fatal {
	inv, f := m.inventory(ctx)
	if f != nil {
		return f
	}
	drives := inv.OfType(changer.DataTransfer)
	fmt.Fprintf(w, "  Storage Changer %s:%d Drives, %d Slots ( %d Import/Export )\n", m.dev, len(drives), m.cfg.Slots+m.cfg.Ports, m.cfg.Ports)
	for i, d := range drives {
		fmt.Fprintf(w, "Data Transfer Element %d:", i)
		switch {
		case !d.Full:
			fmt.Fprint(w, "Empty")
		case d.SourceValid && m.number(d.Source) > 0:
			fmt.Fprintf(w, "Full (Storage Element %d Loaded)", m.number(d.Source))
		default:
			fmt.Fprint(w, "Full (Unknown Storage Element Loaded)")
		}
		if d.Full && d.Barcode != "" {
			fmt.Fprintf(w, ":VolumeTag = %-32s", d.Barcode)
		}
		fmt.Fprintln(w)
	}
	for n := 1; n <= m.cfg.Slots+m.cfg.Ports; n++ {
		a, _ := m.storage(n)
		e, _ := inv.Element(a)
		ie := ""
		if e.Type == changer.ImportExport {
			ie = " IMPORT/EXPORT"
		}
		state := "Empty"
		if e.Full {
			state = "Full "
		}
		fmt.Fprintf(w, "      Storage Element %d%s:%s", n, ie, state)
		if e.Full && e.Barcode != "" {
			fmt.Fprintf(w, ":VolumeTag=%-32s", e.Barcode)
		}
		fmt.Fprintln(w)
	}
	return nil
}
