package ssc_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/ssc"
)

var ctx = context.Background()

// noSleep records the waits instead of sleeping.
type noSleep struct{ waits []time.Duration }

func (n *noSleep) sleep(ctx context.Context, d time.Duration) error {
	n.waits = append(n.waits, d)
	return ctx.Err()
}

func newDrive(s *script) (*ssc.Drive, *noSleep) {
	ns := &noSleep{}
	return ssc.New(s, &ssc.Options{Sleep: ns.sleep, Retries: 3, RetryDelay: time.Second}), ns
}

func asTapeError(t *testing.T, err error) *tape.Error {
	t.Helper()
	var te *tape.Error
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T) is not a *tape.Error", err, err)
	}
	return te
}

func TestRead(t *testing.T) {
	s := newScript(t,
		step{cdb: cdbRead1K, data: strings.Repeat("ab", 1024)},
		// A 512-byte block: ILI, residue +512; the transport residual agrees.
		step{cdb: cdbRead1K, status: scsi.StatusCheckCondition, sense: "f0 00 20 00 00 02 00 0a 00 00 00 00 00 00 00 00 00 00", residual: 512},
		// A 1536-byte block: ILI, residue -512.
		step{cdb: cdbRead1K, status: scsi.StatusCheckCondition, sense: "f0 00 20 ff ff fe 00 0a 00 00 00 00 00 00 00 00 00 00"},
		step{cdb: cdbRead1K, status: scsi.StatusCheckCondition, sense: senseFilemark, residual: 1024},
		step{cdb: cdbRead1K, status: scsi.StatusCheckCondition, sense: senseEOD, residual: 1024},
		step{cdb: cdbRead1K, status: scsi.StatusCheckCondition, sense: senseMedium},
		step{cdb: cdbReadPos, data: posLong(0, 0, 7, 1)},
	)
	d, _ := newDrive(s)
	buf := make([]byte, 1024)

	if n, err := d.Read(ctx, buf); n != 1024 || err != nil {
		t.Errorf("full block: %d, %v", n, err)
	}
	if n, err := d.Read(ctx, buf); n != 512 || err != nil {
		t.Errorf("short block: %d, %v", n, err)
	}
	n, err := d.Read(ctx, buf)
	if n != 1024 || !errors.Is(err, tape.ErrBlockTooLong) || asTapeError(t, err).Residue != 512 {
		t.Errorf("long block: %d, %v", n, err)
	}
	if n, err := d.Read(ctx, buf); n != 0 || !errors.Is(err, tape.ErrFilemark) {
		t.Errorf("filemark: %d, %v", n, err)
	}
	n, err = d.Read(ctx, buf)
	var se *scsi.SenseError
	if n != 0 || !errors.Is(err, tape.ErrEndOfData) || !errors.As(err, &se) || se.Sense.Key != scsi.KeyBlankCheck {
		t.Errorf("end of data: %d, %v", n, err)
	}
	n, err = d.Read(ctx, buf)
	if n != 0 || !errors.Is(err, tape.ErrMediumError) {
		t.Fatalf("medium error: %d, %v", n, err)
	}
	if te := asTapeError(t, err); !te.PosValid || te.Pos != (tape.Position{Block: 7, File: 1}) {
		t.Errorf("medium error position: %+v", te)
	}
	if got := err.Error(); got != "tape: read at partition 0 file 1 block 7: medium error: scsi: MEDIUM ERROR: Unrecovered read error (11/00)" {
		t.Errorf("Error() = %q", got)
	}
	s.done()
}

func TestReadBadBuffer(t *testing.T) {
	d, _ := newDrive(newScript(t))
	if _, err := d.Read(ctx, nil); !errors.Is(err, tape.ErrIllegalRequest) {
		t.Errorf("empty buffer: %v", err)
	}
	if _, err := d.Read(ctx, make([]byte, 1<<24)); !errors.Is(err, tape.ErrIllegalRequest) {
		t.Errorf("16 MiB buffer: %v", err)
	}
}

func TestWrite(t *testing.T) {
	block := bytes.Repeat([]byte{7}, 1024)
	s := newScript(t,
		step{cdb: cdbRewind},
		step{cdb: cdbWrite1K},
		step{cdb: cdbWFMImmed},
		// Early warning: the block is written.
		step{cdb: cdbWrite1K, status: scsi.StatusCheckCondition, sense: senseEarlyWarn},
		step{cdb: cdbWFMSync, status: scsi.StatusCheckCondition, sense: senseEarlyWarn},
		// Physical end: nothing written.
		step{cdb: "0a 00 00 00 04 00", status: scsi.StatusCheckCondition, sense: senseOverflow},
	)
	d, _ := newDrive(s)
	if err := d.Rewind(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, block); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteFilemarks(ctx, 2, false); err != nil {
		t.Fatal(err)
	}
	err := d.Write(ctx, block)
	if !errors.Is(err, tape.ErrEarlyWarning) || tape.MayHaveWritten(err) {
		t.Errorf("early warning: %v", err)
	}
	if err := d.WriteFilemarks(ctx, 1, true); !errors.Is(err, tape.ErrEarlyWarning) {
		t.Errorf("filemark at early warning: %v", err)
	}
	err = d.Write(ctx, []byte{1, 2, 3, 4})
	if !errors.Is(err, tape.ErrEndOfMedium) || tape.MayHaveWritten(err) || asTapeError(t, err).Residue != 4 {
		t.Errorf("end of medium: %v", err)
	}
	if d := cmp.Diff([][]byte{block, block, {1, 2, 3, 4}}, s.sent); d != "" {
		t.Errorf("data sent (-want +got):\n%s", d)
	}
	s.done()
}

func TestWriteRejected(t *testing.T) {
	s := newScript(t,
		step{cdb: cdbWrite1K, status: scsi.StatusCheckCondition, sense: senseWP},
		step{cdb: cdbWrite1K, status: scsi.StatusCheckCondition, sense: senseNoMedium},
		step{cdb: cdbWrite1K, status: scsi.StatusCheckCondition, sense: senseWriteErr},
		step{cdb: cdbReadPos, data: posLong(0, 0, 12, 0)},
	)
	d, _ := newDrive(s)
	block := make([]byte, 1024)
	err := d.Write(ctx, block)
	var se *scsi.SenseError
	if !errors.Is(err, tape.ErrWriteProtected) || !errors.As(err, &se) || tape.MayHaveWritten(err) {
		t.Errorf("write protected: %v", err)
	}
	if err := d.Write(ctx, block); !errors.Is(err, tape.ErrNoMedium) || !errors.As(err, &se) || se.Sense.ASC != 0x3a {
		t.Errorf("no medium: %v", err)
	}
	err = d.Write(ctx, block)
	if !errors.Is(err, tape.ErrMediumError) || !tape.MayHaveWritten(err) {
		t.Errorf("write error: %v", err)
	}
	if te := asTapeError(t, err); !te.PosValid || te.Pos.Block != 12 {
		t.Errorf("write error position: %+v", te)
	}
	if err := d.Write(ctx, nil); !errors.Is(err, tape.ErrIllegalRequest) {
		t.Errorf("empty block: %v", err)
	}
	s.done()
}

// A write whose outcome is unknown (the host adapter failed) is settled by
// READ POSITION: landed means success, not landed means an error with the
// position.
func TestAmbiguousWrite(t *testing.T) {
	lost := &scsi.TransportError{Op: "SG_IO", HostStatus: 0x03}
	s := newScript(t,
		step{cdb: cdbRewind},
		step{cdb: cdbWrite1K},
		step{cdb: cdbWrite1K, err: lost},
		step{cdb: cdbReadPos, data: posLong(0, 0, 2, 0)}, // landed
		step{cdb: cdbWrite1K, err: lost},
		step{cdb: cdbReadPos, data: posLong(0, 0, 2, 0)}, // did not land
	)
	d, _ := newDrive(s)
	block := make([]byte, 1024)
	if err := d.Rewind(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, block); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, block); err != nil {
		t.Errorf("landed write: %v", err)
	}
	err := d.Write(ctx, block)
	var te *scsi.TransportError
	if !errors.As(err, &te) || !tape.MayHaveWritten(err) {
		t.Fatalf("lost write: %v", err)
	}
	if e := asTapeError(t, err); !e.PosValid || e.Pos.Block != 2 {
		t.Errorf("lost write position: %+v", e)
	}
	s.done()
}

func TestRetries(t *testing.T) {
	s := newScript(t,
		// Power on, then becoming ready twice, then ready.
		step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: sensePowerOn},
		step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: senseBecoming},
		step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: senseBecoming},
		step{cdb: cdbTUR},
		// Medium changed: the UNLOAD is re-sent.
		step{cdb: cdbUnload, status: scsi.StatusCheckCondition, sense: senseMediaChange},
		step{cdb: cdbUnload},
		// Unit attention forever: bounded (1 + 3 retries).
		step{cdb: cdbRewind, status: scsi.StatusCheckCondition, sense: sensePowerOn},
		step{cdb: cdbRewind, status: scsi.StatusCheckCondition, sense: sensePowerOn},
		step{cdb: cdbRewind, status: scsi.StatusCheckCondition, sense: sensePowerOn},
		step{cdb: cdbRewind, status: scsi.StatusCheckCondition, sense: sensePowerOn},
	)
	d, ns := newDrive(s)
	if err := d.Load(ctx); err != nil {
		t.Fatalf("load: %v", err)
	}
	if d := cmp.Diff([]time.Duration{time.Second, time.Second}, ns.waits); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
	if err := d.Unload(ctx); err != nil {
		t.Fatalf("unload: %v", err)
	}
	if err := d.Rewind(ctx); !errors.Is(err, tape.ErrUnitAttention) {
		t.Errorf("endless unit attention: %v", err)
	}
	s.done()
}

func TestLoadUnloadNoMedium(t *testing.T) {
	s := newScript(t,
		step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: senseNoMedium},
		step{cdb: cdbLoad, status: scsi.StatusCheckCondition, sense: senseNoMedium},
		step{cdb: cdbUnload, status: scsi.StatusCheckCondition, sense: senseNoMedium},
		step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: "70 00 02 00 00 00 00 0a 00 00 00 00 04 02 00 00 00 00"},
		step{cdb: cdbLoad},
	)
	d, _ := newDrive(s)
	var se *scsi.SenseError
	if err := d.Load(ctx); !errors.Is(err, tape.ErrNoMedium) || !errors.As(err, &se) {
		t.Errorf("load: %v", err)
	}
	if err := d.Unload(ctx); !errors.Is(err, tape.ErrNoMedium) {
		t.Errorf("unload: %v", err)
	}
	// A cartridge present but not threaded: LOAD threads it.
	if err := d.Load(ctx); err != nil {
		t.Errorf("load unthreaded: %v", err)
	}
	s.done()
}

func TestSpace(t *testing.T) {
	s := newScript(t,
		step{cdb: "11 01 00 00 03 00"},
		step{cdb: "11 00 ff ff ff 00"},
		// Spacing 5 blocks met a filemark after 2: residue 3.
		step{cdb: "11 00 00 00 05 00", status: scsi.StatusCheckCondition, sense: "f0 00 80 00 00 00 03 0a 00 00 00 00 00 01 00 00 00 00"},
		step{cdb: "11 01 00 00 0a 00", status: scsi.StatusCheckCondition, sense: "f0 00 08 00 00 00 04 0a 00 00 00 00 00 05 00 00 00 00"},
		step{cdb: "11 00 ff ff fd 00", status: scsi.StatusCheckCondition, sense: senseBOP},
		step{cdb: "11 03 00 00 00 00"},
		step{cdb: "91 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00"},
	)
	d, _ := newDrive(s)
	if err := d.Space(ctx, tape.SpaceFilemarks, 3); err != nil {
		t.Error(err)
	}
	if err := d.Space(ctx, tape.SpaceBlocks, -1); err != nil {
		t.Error(err)
	}
	err := d.Space(ctx, tape.SpaceBlocks, 5)
	if !errors.Is(err, tape.ErrFilemark) || asTapeError(t, err).Residue != 3 {
		t.Errorf("filemark: %v", err)
	}
	err = d.Space(ctx, tape.SpaceFilemarks, 10)
	if !errors.Is(err, tape.ErrEndOfData) || asTapeError(t, err).Residue != 4 {
		t.Errorf("end of data: %v", err)
	}
	err = d.Space(ctx, tape.SpaceBlocks, -3)
	if !errors.Is(err, tape.ErrBeginningOfMedium) || asTapeError(t, err).Residue != 2 {
		t.Errorf("beginning: %v", err)
	}
	if err := d.Space(ctx, tape.SpaceEndOfData, 99); err != nil {
		t.Error(err)
	}
	if err := d.Space(ctx, tape.SpaceBlocks, 1<<24); err != nil {
		t.Error(err)
	}
	if err := d.Space(ctx, tape.SpaceBlocks, 0); err != nil {
		t.Errorf("zero count: %v", err)
	}
	s.done()
}

func TestLocateAndPosition(t *testing.T) {
	s := newScript(t,
		step{cdb: "2b 02 00 00 00 03 e8 00 01 00"},
		step{cdb: cdbReadPos, data: posLong(0, 1, 1000, 12)},
		step{cdb: "92 02 00 00 00 00 00 01 00 00 00 00 00 00 00 00"},
		step{cdb: "2b 02 00 00 01 00 00 00 00 00", status: scsi.StatusCheckCondition, sense: senseEOD},
		step{cdb: cdbReadPos, data: posLong(0x0c, 0, 0, 0)},
	)
	d, _ := newDrive(s)
	if err := d.Locate(ctx, tape.Position{Partition: 1, Block: 1000, File: 99}); err != nil {
		t.Fatal(err)
	}
	pos, err := d.Position(ctx)
	if err != nil || pos != (tape.Position{Partition: 1, Block: 1000, File: 12}) {
		t.Errorf("position: %v, %v", pos, err)
	}
	if err := d.Locate(ctx, tape.Position{Block: 1 << 32}); err != nil {
		t.Errorf("LOCATE(16): %v", err)
	}
	if err := d.Locate(ctx, tape.Position{Block: 1 << 16}); !errors.Is(err, tape.ErrEndOfData) {
		t.Errorf("past end of data: %v", err)
	}
	if _, err := d.Position(ctx); err == nil {
		t.Error("unknown position accepted")
	}
	if err := d.Locate(ctx, tape.Position{Block: -1}); !errors.Is(err, tape.ErrIllegalRequest) {
		t.Errorf("negative block: %v", err)
	}
	s.done()
}

func TestLocateFile(t *testing.T) {
	s := newScript(t,
		step{cdb: "92 0a 00 00 00 00 00 00 00 00 00 05 00 00 00 00"},
		// A drive without LOCATE(16) to files: locate the partition, space.
		step{cdb: "92 0a 00 00 00 00 00 00 00 00 00 03 00 00 00 00", status: scsi.StatusCheckCondition, sense: senseBadField},
		step{cdb: "2b 02 00 00 00 00 00 00 00 00"},
		step{cdb: "11 01 00 00 03 00"},
		// The fallback is remembered.
		step{cdb: "2b 02 00 00 00 00 00 00 01 00"},
		step{cdb: "11 01 00 00 02 00"},
	)
	d, _ := newDrive(s)
	if err := tape.LocateFile(ctx, d, 0, 5); err != nil {
		t.Fatal(err)
	}
	if err := tape.LocateFile(ctx, d, 0, 3); err != nil {
		t.Fatal(err)
	}
	if err := d.LocateFile(ctx, 1, 2); err != nil {
		t.Fatal(err)
	}
	s.done()
}

func TestStatus(t *testing.T) {
	inq := "01 80 06 02 5b 00 00 02 49 42 4d 20 20 20 20 20 55 4c 54 33 35 38 30 2d 54 44 39 20 20 20 20 20 51 33 46 35"
	s := newScript(t,
		step{cdb: "12 00 00 00 60 00", data: inq},
		step{cdb: "12 01 80 00 ff 00", data: "01 80 00 0a 31 30 36 38 30 31 32 33 34 35"},
		step{cdb: cdbTUR},
		step{cdb: cdbReadPos, data: posLong(0x80, 0, 0, 0)},
		step{cdb: "5a 00 10 00 00 00 00 01 00 00", data: "00 1e 00 90 00 00 00 08 60 00 00 00 00 00 00 00 10 0e 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		step{cdb: "05 00 00 00 00 00", data: "00 80 00 00 00 01"},
		step{cdb: "8c 00 00 00 00 00 00 00 00 00 00 00 20 00 00 00", data: `00 00 00 27
			00 00 80 00 08 00 00 00 00 00 0f 42 40
			00 01 80 00 08 00 00 00 00 01 11 70 00
			08 06 01 00 08 41 42 43 31 32 33 4c 39`},
		// Second call: INQUIRY is cached; no cartridge. The block limits
		// are still asked for.
		step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: senseNoMedium},
		step{cdb: "05 00 00 00 00 00", data: "00 80 00 00 00 01"},
		// A cleaning cartridge, and a drive that won't tell its limits.
		step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: senseCleaning},
		step{cdb: "05 00 00 00 00 00", status: scsi.StatusCheckCondition, sense: senseCleaning},
	)
	d, _ := newDrive(s)
	st, err := d.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := tape.Status{Vendor: "IBM", Product: "ULT3580-TD9", Revision: "Q3F5", Serial: "1068012345", Loaded: true, BOT: true,
		WriteProtected: true, MediaType: "LTO-9", DensityCode: 0x60, MaxBlockSize: 8 << 20,
		Capacity: 17920000 << 20, Remaining: 1000000 << 20, Barcode: "ABC123L9"}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
	st, err = d.Status(ctx)
	if err != nil || st.Loaded || st.Vendor != "IBM" || st.MaxBlockSize != 8<<20 {
		t.Errorf("empty drive: %+v, %v", st, err)
	}
	st, err = d.Status(ctx)
	if err != nil || !st.Loaded || !st.Cleaning || st.MaxBlockSize != 0 {
		t.Errorf("cleaning cartridge: %+v, %v", st, err)
	}
	s.done()
}

func TestTapeAlertsAndErase(t *testing.T) {
	page := []byte{0x2e, 0, 0, 10, 0, 20, 0x40, 1, 1, 0, 4, 0x40, 1, 1}
	s := newScript(t,
		step{cdb: "4d 00 6e 00 00 00 00 01 84 00", data: hexString(page)},
		step{cdb: "19 01 00 00 00 00"},
		step{cdb: "19 00 00 00 00 00", status: scsi.StatusCheckCondition, sense: senseWP},
	)
	d, _ := newDrive(s)
	f, err := d.TapeAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Has(20) || !f.Has(4) || len(f.Flags()) != 2 {
		t.Errorf("flags = %v", f)
	}
	if err := d.Erase(ctx, true); err != nil {
		t.Error(err)
	}
	if err := d.Erase(ctx, false); !errors.Is(err, tape.ErrWriteProtected) {
		t.Errorf("erase write protected: %v", err)
	}
	s.done()
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

type closingScript struct {
	*script
	closed bool
}

func (c *closingScript) Close() error { c.closed = true; return nil }

func TestClose(t *testing.T) {
	cs := &closingScript{script: newScript(t)}
	d := ssc.New(cs, nil)
	if err := d.Close(); err != nil || !cs.closed {
		t.Fatalf("close: %v, transport closed %v", err, cs.closed)
	}
	if err := d.Rewind(ctx); !errors.Is(err, tape.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
	if err := d.Close(); !errors.Is(err, tape.ErrClosed) {
		t.Errorf("second close: %v", err)
	}
}

func TestContextCancelledWhileBecomingReady(t *testing.T) {
	s := newScript(t, step{cdb: cdbTUR, status: scsi.StatusCheckCondition, sense: senseBecoming})
	cctx, cancel := context.WithCancel(ctx)
	d := ssc.New(s, &ssc.Options{Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel() // the operator gives up while the drive is becoming ready
		return ctx.Err()
	}})
	if err := d.Load(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("load: %v", err)
	}
	// Nothing more is sent once the context is done.
	if err := d.Rewind(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("rewind: %v", err)
	}
	s.done()
}
