package tapetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/tapekit/tapekit/tape"
)

// Config says how to get the drives the suite needs.
type Config struct {
	// New returns a drive with a scratch cartridge loaded, which the suite
	// overwrites from the beginning. Required. It is called once per check;
	// the suite closes each drive it gets.
	New func(ctx context.Context) (tape.Drive, error)
	// WriteProtected returns a drive with a write-protected cartridge
	// loaded. Nil skips the write-protect checks.
	WriteProtected func(ctx context.Context) (tape.Drive, error)
	// Small returns a drive with a scratch cartridge small enough to fill:
	// writing SmallLimit bytes must reach its end. Nil skips the early
	// warning and end-of-medium checks.
	Small      func(ctx context.Context) (tape.Drive, error)
	SmallLimit int64
	// BlockSize is the size of most blocks the suite writes; 0 means 64 KiB.
	BlockSize int
	// Report, when set, is told the outcome of every check as it ends
	// (err nil for a pass, ErrSkipped for a skipped check).
	Report func(check string, err error)
}

// ErrSkipped is reported for checks the Config gives no drive for.
var ErrSkipped = errors.New("tapetest: skipped")

// CheckError is one failed check.
type CheckError struct {
	Check string
	Err   error
}

func (e *CheckError) Error() string { return e.Check + ": " + e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

type check struct {
	name string
	kind int // which factory
	run  func(ctx context.Context, t *tester) error
}

const (
	kindNew = iota
	kindWP
	kindSmall
)

var checks = []check{
	{"status-loaded", kindNew, checkStatus},
	{"write-read-blocks", kindNew, checkWriteRead},
	{"read-filemark-and-eod", kindNew, checkFilemarkEOD},
	{"read-short-buffer", kindNew, checkShortBuffer},
	{"position-counts-objects", kindNew, checkPosition},
	{"space-blocks", kindNew, checkSpaceBlocks},
	{"space-filemarks", kindNew, checkSpaceFilemarks},
	{"space-end-of-data", kindNew, checkSpaceEOD},
	{"locate", kindNew, checkLocate},
	{"locate-file", kindNew, checkLocateFile},
	{"append-at-eod", kindNew, checkAppend},
	{"overwrite-truncates", kindNew, checkOverwrite},
	{"filemark-sync", kindNew, checkSync},
	{"illegal-requests", kindNew, checkIllegal},
	{"unload-load", kindNew, checkUnloadLoad},
	{"cancelled-context", kindNew, checkCancelled},
	{"closed-drive", kindNew, checkClosed},
	{"write-protect", kindWP, checkWriteProtect},
	{"early-warning-end-of-medium", kindSmall, checkEndOfMedium},
}

// Checks lists the names of the checks, in the order they run.
func Checks() []string {
	out := make([]string, len(checks))
	for i, c := range checks {
		out[i] = c.name
	}
	return out
}

// TestDrive runs every check and returns the failures joined (each a
// *CheckError), or nil.
func TestDrive(ctx context.Context, cfg Config) error {
	if cfg.New == nil {
		return errors.New("tapetest: Config.New is required")
	}
	if cfg.BlockSize <= 0 {
		cfg.BlockSize = 64 << 10
	}
	var errs []error
	for _, c := range checks {
		err := runCheck(ctx, cfg, c)
		if cfg.Report != nil {
			cfg.Report(c.name, err)
		}
		if err != nil && !errors.Is(err, ErrSkipped) {
			errs = append(errs, &CheckError{Check: c.name, Err: err})
		}
	}
	return errors.Join(errs...)
}

func runCheck(ctx context.Context, cfg Config, c check) (err error) {
	factory := cfg.New
	switch c.kind {
	case kindWP:
		factory = cfg.WriteProtected
	case kindSmall:
		factory = cfg.Small
	}
	if factory == nil {
		return ErrSkipped
	}
	d, err := factory(ctx)
	if err != nil {
		return fmt.Errorf("getting a drive: %w", err)
	}
	defer d.Close()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("driver panicked: %v", r)
		}
	}()
	t := &tester{d: d, cfg: cfg}
	return c.run(ctx, t)
}

// tester wraps a drive with helpers that turn surprises into errors.
type tester struct {
	d   tape.Drive
	cfg Config
}

// block returns the deterministic content of test block i of length n.
func block(i, n int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), uint64(n)))
	b := make([]byte, n)
	for k := range b {
		b[k] = byte(r.Uint32())
	}
	return b
}

func (t *tester) write(ctx context.Context, i, n int) error {
	if err := t.d.Write(ctx, block(i, n)); err != nil {
		return fmt.Errorf("write of block %d (%d bytes): %w", i, n, err)
	}
	return nil
}

func (t *tester) marks(ctx context.Context, n int) error {
	if err := t.d.WriteFilemarks(ctx, n, false); err != nil {
		return fmt.Errorf("writing %d filemarks: %w", n, err)
	}
	return nil
}

// readBlock reads one block and checks it is test block i of length n.
func (t *tester) readBlock(ctx context.Context, i, n int) error {
	buf := make([]byte, n+1024)
	got, err := t.d.Read(ctx, buf)
	if err != nil {
		return fmt.Errorf("read of block %d: %w", i, err)
	}
	if got != n || !bytes.Equal(buf[:got], block(i, n)) {
		return fmt.Errorf("read of block %d: got %d bytes that differ from the %d written", i, got, n)
	}
	return nil
}

// expect checks that err matches want, and that a structured error carries
// the residue (when residue ≥ 0).
func expect(what string, err, want error, residue int64) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("%s: got error %v, want %v", what, err, want)
	}
	if residue >= 0 {
		var te *tape.Error
		if !errors.As(err, &te) {
			return fmt.Errorf("%s: error %v is not a *tape.Error", what, err)
		}
		if te.Residue != residue {
			return fmt.Errorf("%s: residue %d, want %d", what, te.Residue, residue)
		}
	}
	return nil
}

func (t *tester) at(ctx context.Context, what string, block, file int64) error {
	p, err := t.d.Position(ctx)
	if err != nil {
		return fmt.Errorf("%s: position: %w", what, err)
	}
	if p.Block != block || p.File != file || p.Partition != 0 {
		return fmt.Errorf("%s: at %v, want partition 0 file %d block %d", what, p, file, block)
	}
	return nil
}

// layout writes the standard test tape from the beginning:
//
//	object: 0  1  2  3   4  5  6   7
//	        b0 b1 b2 FM  b4 b5 FM  b7   (end of data at 8)
//
// Block lengths vary, so a mix-up shows.
func (t *tester) layout(ctx context.Context) error {
	if err := t.d.Rewind(ctx); err != nil {
		return fmt.Errorf("rewind: %w", err)
	}
	for _, step := range []func() error{
		func() error { return t.write(ctx, 0, 1) },
		func() error { return t.write(ctx, 1, t.cfg.BlockSize) },
		func() error { return t.write(ctx, 2, 1000) },
		func() error { return t.marks(ctx, 1) },
		func() error { return t.write(ctx, 4, t.cfg.BlockSize) },
		func() error { return t.write(ctx, 5, 3) },
		func() error { return t.marks(ctx, 1) },
		func() error { return t.write(ctx, 7, t.cfg.BlockSize/2) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	if err := t.d.WriteFilemarks(ctx, 0, true); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

func (t *tester) lengths() map[int]int {
	return map[int]int{0: 1, 1: t.cfg.BlockSize, 2: 1000, 4: t.cfg.BlockSize, 5: 3, 7: t.cfg.BlockSize / 2}
}

func (t *tester) locate(ctx context.Context, b int64) error {
	if err := t.d.Locate(ctx, tape.Position{Block: b}); err != nil {
		return fmt.Errorf("locate %d: %w", b, err)
	}
	return nil
}
