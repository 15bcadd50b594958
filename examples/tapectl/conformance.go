package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/changertest"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/tapetest"
)

func init() {
	register(&command{
		name:    "test",
		usage:   "-overwrite-cartridge [DRIVE] | -move-cartridges",
		summary: "like btape test: tapetest on a drive (-f, or DRIVE) and its cartridge, which it overwrites; changertest on a library",
		run:     runTest,
	})
}

// errChecksFailed is the error of a test run with failed checks: exit
// status 1, after each check was printed.
var errChecksFailed = errors.New("checks failed")

func runTest(ctx context.Context, e *env, args []string) (err error) {
	// -f and -changer may follow the command too, as in `tapectl test -f
	// /dev/sg3 -overwrite-cartridge`; they override the global ones.
	local := *e
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.StringVar(&local.device, "f", e.device, "the tape drive to test (as the global -f)")
	fs.StringVar(&local.changer, "changer", e.changer, "the library to test (as the global -changer)")
	overwrite := fs.Bool("overwrite-cartridge", false, "run tapetest on the drive: it OVERWRITES the loaded cartridge from the beginning")
	move := fs.Bool("move-cartridges", false, "run changertest on the library: it moves cartridges between slots, drives and I/E ports, and puts each back")
	incompatible := fs.String("incompatible", "", "barcode of a cartridge no drive of the library accepts, for changertest's incompatible-medium check")
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := checkDeviceFlags(&local); err != nil {
		return err
	}
	e = &local
	if err := wantArgs(args, 0, 1); err != nil {
		return err
	}
	drive := impliedDrive
	if len(args) == 1 {
		if drive, err = number("drive", args[0]); err != nil {
			return err
		}
	}
	driveNamed := e.device != "" || len(args) == 1
	libNamed := e.changer != "" || e.simDir != ""
	switch {
	case !driveNamed && !libNamed:
		return usagef("name what to test: a tape drive (-f DEVICE) or a library (-changer DRIVER:DEVICE)")
	case !*overwrite && !*move && driveNamed:
		return usagef("refusing to run: tapetest OVERWRITES the cartridge in the drive from its beginning; load a scratch cartridge and add -overwrite-cartridge to say so")
	case !*overwrite && !*move:
		return usagef("refusing to run: changertest MOVES the library's cartridges (it puts each back where it was); add -move-cartridges to say so")
	case *overwrite && !driveNamed:
		return usagef("-overwrite-cartridge tests a drive: name it with -f DEVICE, or give DRIVE with a library")
	case *move && !libNamed:
		return usagef("-move-cartridges tests a library: name its changer with -changer DRIVER:DEVICE")
	}
	failed := false
	if *overwrite {
		if drive == impliedDrive && e.device == "" {
			return usagef("give DRIVE, the library's drive to test")
		}
		ok, err := testDrive(ctx, e, drive)
		if err != nil {
			return err
		}
		failed = failed || !ok
	}
	if *move {
		ok, err := testChanger(ctx, e, *incompatible)
		if err != nil {
			return err
		}
		failed = failed || !ok
	}
	if failed {
		return errChecksFailed
	}
	return nil
}

// testDrive runs tapetest on drive n and reports whether every check
// passed. The suite gets a new driver for every check, as a new tapectl
// would, so one check's state cannot hide another's failure.
func testDrive(ctx context.Context, e *env, n int) (ok bool, err error) {
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return false, err
	}
	defer closeLibrary(lib, &err)
	if n, err = lib.driveNumber(ctx, n); err != nil {
		return false, err
	}
	d, el, err := lib.openDrive(ctx, n)
	if err != nil {
		return false, err
	}
	st, err := d.Status(ctx)
	if err != nil {
		return false, explainDrive(n, el.Barcode, err)
	}
	barcode := st.Barcode
	if barcode == "" {
		barcode = el.Barcode
	}
	switch {
	case !st.Loaded:
		return false, explainDrive(n, barcode, tape.ErrNoMedium)
	case st.Cleaning:
		return false, explainDrive(n, barcode, tape.ErrCleaningCartridge)
	case st.WriteProtected:
		return false, advise(tape.ErrWriteProtected, "%s in drive %d is write protected: tapetest needs a scratch cartridge it can overwrite", orUnknown(barcode), n)
	}
	fmt.Fprintf(e.stdout, "tapetest on drive %d (%s %s, serial %s) with cartridge %s, which it overwrites\n",
		n, st.Vendor, st.Product, dash(st.Serial), orUnknown(barcode))

	open := func(ctx context.Context) (tape.Drive, error) {
		if lib.scsi != nil {
			return lib.openSCSIDrive(ctx, n, el)
		}
		return lib.drive(n)
	}
	r := newSuiteReport(e.stdout, "tapetest", tapetest.Checks(), tapetest.ErrSkipped)
	r.skipWhy = map[string]string{
		"write-protect":               "needs a write-protected cartridge; tapectl tests the loaded one",
		"early-warning-end-of-medium": "needs a cartridge small enough to fill; tapectl tests the loaded one",
	}
	// The failures are in the report already.
	_ = tapetest.TestDrive(ctx, tapetest.Config{New: open, Report: r.report})
	return r.summary(), nil
}

// testChanger runs changertest on the library and reports whether every
// check passed. The suite promises to put every cartridge back; testChanger
// compares the inventory before and after, so an operator knows for sure.
func testChanger(ctx context.Context, e *env, incompatible string) (ok bool, err error) {
	h := newHost(e)
	defer func() {
		if cerr := h.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	var spec changerSpec
	if e.changer != "" {
		if spec, err = parseChanger(e.changer); err != nil {
			return false, err
		}
	}
	open := func() (changer.Changer, string, error) {
		if e.simDir != "" {
			l, err := h.simulator(e.simDir)
			if err != nil {
				return nil, "", err
			}
			return l.Changer(), "simulated library " + e.simDir, nil
		}
		return openChanger(ctx, h, spec)
	}
	c, name, err := open()
	if err != nil {
		return false, err
	}
	before, err := c.Inventory(ctx)
	c.Close()
	if err != nil {
		return false, fmt.Errorf("reading the inventory: %w", err)
	}
	fmt.Fprintf(e.stdout, "changertest on %s, which moves cartridges and puts each back\n", name)

	r := newSuiteReport(e.stdout, "changertest", changertest.Checks(), changertest.ErrSkipped)
	_ = changertest.TestChanger(ctx, changertest.Config{
		New: func(ctx context.Context) (changertest.Library, error) {
			c, _, err := open()
			if err != nil {
				return changertest.Library{}, err
			}
			lib := changertest.Library{Changer: c, Incompatible: incompatible}
			// A drive the library's element names by serial number is
			// ejected through its own device before the robot takes the
			// cartridge; other libraries take care of it themselves.
			if spec.Driver == driverSG || spec.Driver == simSG {
				lib.UnloadDrive = func(ctx context.Context, addr changer.Address) error {
					return ejectDrive(ctx, h, spec, c, addr)
				}
			}
			return lib, nil
		},
		Report: r.report,
	})
	ok = r.summary()

	c, _, err = open()
	if err != nil {
		return false, err
	}
	after, err := c.Inventory(ctx)
	c.Close()
	if err != nil {
		return false, fmt.Errorf("reading the inventory after the suite: %w", err)
	}
	if moved := movedCartridges(before, after); len(moved) > 0 {
		fmt.Fprintf(e.stdout, "WARNING: cartridges are not where they were before the suite:\n  %s\n", strings.Join(moved, "\n  "))
		return false, nil
	}
	fmt.Fprintf(e.stdout, "every cartridge is back where it was\n")
	return ok, nil
}

// ejectDrive ejects the cartridge of the drive at addr through the drive's
// device, found by the serial number the library reports. A drive without
// one, or not attached here, is left to the library.
func ejectDrive(ctx context.Context, h *host, spec changerSpec, c changer.Changer, addr changer.Address) error {
	inv, err := c.Inventory(ctx)
	if err != nil {
		return err
	}
	el, ok := inv.Element(addr)
	if !ok || el.DriveSerial == "" {
		return nil
	}
	dev, err := h.findDrive(ctx, spec, el.DriveSerial)
	if err != nil || dev == "" {
		return err
	}
	t, err := h.openDrive(ctx, dev)
	if err != nil {
		return err
	}
	d := newSSCDrive(t, h)
	defer d.Close()
	if err := d.Unload(ctx); err != nil && !errors.Is(err, tape.ErrNoMedium) {
		return fmt.Errorf("ejecting the cartridge of %s: %w", dev, err)
	}
	return nil
}

// movedCartridges lists the elements whose cartridge differs between two
// inventories.
func movedCartridges(before, after changer.Inventory) []string {
	var out []string
	for _, b := range before {
		a, ok := after.Element(b.Address)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s is gone from the inventory", describe(before, b.Address)))
		case a.Full != b.Full || a.Barcode != b.Barcode:
			out = append(out, fmt.Sprintf("%s held %s, now %s", describe(before, b.Address), elementContents(b), elementContents(a)))
		}
	}
	return out
}

func elementContents(el changer.Element) string {
	if !el.Full {
		return "nothing"
	}
	return orUnknown(el.Barcode)
}

// suiteReport prints each check of a conformance suite as it ends, in
// columns: `ok|FAIL|skip  name  detail`, and counts them.
type suiteReport struct {
	w       io.Writer
	suite   string
	width   int
	skipped error
	// skipWhy explains skips whose error says no more than "skipped".
	skipWhy              map[string]string
	pass, fail, skipping int
}

func newSuiteReport(w io.Writer, suite string, checks []string, skipped error) *suiteReport {
	r := &suiteReport{w: w, suite: suite, skipped: skipped}
	for _, c := range checks {
		r.width = max(r.width, len(c))
	}
	return r
}

func (r *suiteReport) report(check string, err error) {
	status, detail := "ok", ""
	switch {
	case err == nil:
		r.pass++
	case errors.Is(err, r.skipped):
		r.skipping++
		status = "skip"
		detail = strings.TrimPrefix(strings.TrimPrefix(err.Error(), r.skipped.Error()), ": ")
		if detail == "" {
			detail = r.skipWhy[check]
		}
	default:
		r.fail++
		status, detail = "FAIL", err.Error()
	}
	line := fmt.Sprintf("%-4s  %-*s  %s", status, r.width, check, detail)
	fmt.Fprintln(r.w, strings.TrimRight(line, " "))
}

// summary prints the totals and reports whether no check failed.
func (r *suiteReport) summary() bool {
	verdict := "PASS"
	if r.fail > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(r.w, "%s %s: %d passed, %d failed, %d skipped\n", r.suite, verdict, r.pass, r.fail, r.skipping)
	return r.fail == 0
}
