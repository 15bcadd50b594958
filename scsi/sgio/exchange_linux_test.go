//go:build linux

package sgio

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/scsi"
)

// tb is what the checks need of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// fault is what the fake driver does instead of (or besides) a call.
type fault int

const (
	none fault = iota
	// intrBefore: the call is interrupted before it has any effect
	// (EINTR), as a signal does to the sg driver's calls.
	intrBefore
	// intrAfter: submit queues the command and then reports EINTR. The
	// driver never does this, but exchange must not depend on it.
	intrAfter
	// spurious: ready reports a completion that is not there.
	spurious
	// timeout: ready's wait runs out.
	timeout
)

// fakeSG is an in-memory sg driver: it executes each submitted command on
// a device that counts the CDBs it receives, completes it after a few
// waits, and hands the result back through collect, with the pack-id
// matching of SG_SET_FORCE_PACK_ID. Faults come from inject, numbered by
// call.
type fakeSG struct {
	t      tb
	inject func(call int, op string) fault
	calls  int

	executed map[string]int // CDB → times the device received it
	reqs     map[int32]*fakeReq
	order    []int32 // submission order, for ready
}

type fakeReq struct {
	h     sgIOHdr // as submitted
	waits int     // ready calls left before it completes
}

func newFakeSG(t tb, inject func(int, string) fault) *fakeSG {
	return &fakeSG{t: t, inject: inject, executed: map[string]int{}, reqs: map[int32]*fakeReq{}}
}

func (f *fakeSG) fault(op string) fault {
	f.calls++
	if f.inject == nil {
		return none
	}
	return f.inject(f.calls, op)
}

func cdbOf(h *sgIOHdr) []byte { return unsafe.Slice((*byte)(h.cmdp), h.cmdLen) }

func (f *fakeSG) submit(h *sgIOHdr) error {
	flt := f.fault("submit")
	if flt == intrBefore {
		return unix.EINTR
	}
	if _, dup := f.reqs[h.packID]; dup {
		f.t.Errorf("pack id %d submitted while still queued", h.packID)
	}
	f.executed[string(cdbOf(h))]++
	f.reqs[h.packID] = &fakeReq{h: *h, waits: int(h.packID % 3)}
	f.order = append(f.order, h.packID)
	if flt == intrAfter {
		return unix.EINTR
	}
	return nil
}

func (f *fakeSG) queued(packID int32) (bool, error) {
	if f.fault("queued") == intrBefore {
		// SG_GET_REQUEST_TABLE is retried inside fdFile.queued; here an
		// interruption is just another call.
		return f.queued(packID)
	}
	_, ok := f.reqs[packID]
	return ok, nil
}

func (f *fakeSG) ready(time.Duration) (bool, error) {
	switch f.fault("ready") {
	case intrBefore:
		return false, unix.EINTR
	case spurious:
		return true, nil
	case timeout:
		return false, nil
	}
	for _, id := range f.order {
		if r := f.reqs[id]; r != nil {
			if r.waits > 0 {
				r.waits--
				return false, nil
			}
			return true, nil
		}
	}
	return false, nil
}

func (f *fakeSG) collect(h *sgIOHdr) error {
	if f.fault("collect") == intrBefore {
		return unix.EINTR
	}
	r := f.reqs[h.packID]
	if r == nil {
		f.t.Errorf("collect of pack id %d, which is not queued", h.packID)
		return unix.EIO
	}
	if r.waits > 0 {
		return unix.EAGAIN
	}
	delete(f.reqs, h.packID)
	// Complete it as a device would: a READ(6) returns its data and a
	// short-block residue; every fifth command ends in CHECK CONDITION.
	done := r.h
	cdb := cdbOf(&done)
	if done.dxferDirection == sgDxferFromDev {
		data := unsafe.Slice((*byte)(done.dxferp), done.dxferLen)
		for i := range data {
			data[i] = cdb[1] ^ byte(i)
		}
		done.resid = int32(cdb[1] % 4)
	}
	if cdb[1]%5 == 0 {
		sense := unsafe.Slice((*byte)(done.sbp), done.mxSbLen)
		copy(sense, []byte{0x70, 0, 0x03, 0, 0, 0, cdb[1], 10, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0})
		done.status, done.sbLenWr, done.driverStatus = 2, 18, driverSense
	}
	*h = done
	return nil
}

func (f *fakeSG) close() error { return nil }

// wantResult is what fakeSG returns for a command whose CDB byte 1 is k.
func wantResult(k byte, dataLen int) (scsi.Result, []byte) {
	var res scsi.Result
	var data []byte
	if dataLen > 0 {
		data = make([]byte, dataLen)
		for i := range data {
			data[i] = k ^ byte(i)
		}
		res.Residual = int(k % 4)
	}
	if k%5 == 0 {
		res.Status = scsi.StatusCheckCondition
		res.Sense = []byte{0x70, 0, 0x03, 0, 0, 0, k, 10, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0}
	}
	return res, data
}

// runCommands sends n distinct commands (READs and WRITEs alternately,
// CDB byte 1 numbering them) and checks each result and that the device
// received each CDB exactly once.
func runCommands(t tb, d *Device, f *fakeSG, n int) {
	t.Helper()
	for i := range n {
		k := byte(i + 1)
		cmd := &scsi.Command{CDB: []byte{0x08, k, 0, 0, 16, 0}, Direction: scsi.DirIn, Data: make([]byte, 16)}
		if i%2 == 1 {
			cmd = &scsi.Command{CDB: []byte{0x0a, k, 0, 0, 8, 0}, Direction: scsi.DirOut, Data: make([]byte, 8)}
		}
		res, err := d.Do(context.Background(), cmd)
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		want, wantData := wantResult(k, len(cmd.Data))
		if cmd.Direction == scsi.DirOut {
			want.Residual, wantData = 0, cmd.Data
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Fatalf("command %d: result (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(wantData, cmd.Data); diff != "" {
			t.Fatalf("command %d: data (-want +got):\n%s", i, diff)
		}
	}
	for cdb, c := range f.executed {
		if c != 1 {
			t.Errorf("CDB % x reached the device %d times", cdb, c)
		}
	}
	if len(f.executed) != n {
		t.Errorf("the device received %d commands, want %d", len(f.executed), n)
	}
	if len(f.reqs) != 0 {
		t.Errorf("%d results never collected", len(f.reqs))
	}
}

func fakeDevice(f *fakeSG) *Device {
	t, l := (*Options)(nil).defaults()
	return &Device{path: "fake", f: f, timeout: t, log: l}
}

// TestExchangeInterruptedAtEveryCall interrupts, in turn, every call the
// protocol makes for a run of commands, with every kind of fault, and
// checks that each command reaches the device exactly once and its result
// comes back.
func TestExchangeInterruptedAtEveryCall(t *testing.T) {
	const n = 6
	clean := newFakeSG(t, nil)
	runCommands(t, fakeDevice(clean), clean, n)
	for _, flt := range []fault{intrBefore, intrAfter, spurious, timeout} {
		for at := 1; at <= clean.calls; at++ {
			t.Run(fmt.Sprintf("fault%d-call%d", flt, at), func(t *testing.T) {
				f := newFakeSG(t, func(call int, op string) fault {
					if call != at {
						return none
					}
					switch {
					case flt == intrAfter && op != "submit":
						return intrBefore
					case (flt == spurious || flt == timeout) && op != "ready":
						return intrBefore
					}
					return flt
				})
				runCommands(t, fakeDevice(f), f, n)
			})
		}
	}
}

// TestExchangeRandomInterruptions runs commands under random storms of
// faults.
func TestExchangeRandomInterruptions(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		faults := rapid.SliceOfN(rapid.SampledFrom([]fault{none, none, intrBefore, intrAfter, spurious, timeout}), 0, 200).Draw(rt, "faults")
		f := newFakeSG(rt, func(call int, op string) fault {
			if call > len(faults) {
				return none
			}
			flt := faults[call-1]
			switch {
			case flt == intrAfter && op != "submit":
				return intrBefore
			case (flt == spurious || flt == timeout) && op != "ready":
				return none
			}
			return flt
		})
		runCommands(rt, fakeDevice(f), f, rapid.IntRange(1, 20).Draw(rt, "commands"))
	})
}

// brokenSG fails as a disappearing device does: collect reports ENODEV.
type brokenSG struct {
	fakeSG
	failCollect, failQueued bool
}

func (b *brokenSG) collect(h *sgIOHdr) error {
	if b.failCollect {
		return unix.ENODEV
	}
	return b.fakeSG.collect(h)
}

func (b *brokenSG) queued(id int32) (bool, error) {
	if b.failQueued {
		return false, unix.ENODEV
	}
	return b.fakeSG.queued(id)
}

func (b *brokenSG) submit(h *sgIOHdr) error {
	if b.failQueued {
		b.fakeSG.submit(h)
		return unix.EIO
	}
	return b.fakeSG.submit(h)
}

// TestExchangeLostResult: when a submitted command's result cannot be
// collected, Do says the outcome is unknown and the device refuses every
// later command, rather than send one whose result could be confused.
func TestExchangeLostResult(t *testing.T) {
	for name, b := range map[string]*brokenSG{
		"collect fails":                 {failCollect: true},
		"submit and request table fail": {failQueued: true},
	} {
		t.Run(name, func(t *testing.T) {
			b.fakeSG = *newFakeSG(t, nil)
			t0, l := (*Options)(nil).defaults()
			d := &Device{path: "fake", f: b, timeout: t0, log: l}
			cmd := &scsi.Command{CDB: scsi.TestUnitReady()}
			if _, err := d.Do(context.Background(), cmd); !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("first command: err = %v, want ErrOutcomeUnknown", err)
			}
			_, err := d.Do(context.Background(), cmd)
			if !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("second command: err = %v, want ErrOutcomeUnknown", err)
			}
			if got := b.executed[string(cmd.CDB)]; got != 1 {
				t.Errorf("the device received the command %d times, want 1 (the second must not be sent)", got)
			}
		})
	}
}

// TestSubmitErrorNotQueued: a write the driver refused (not queued) is an
// error that says nothing was sent, and the device stays usable.
func TestSubmitErrorNotQueued(t *testing.T) {
	f := newFakeSG(t, nil)
	d := fakeDevice(f)
	d.f = &refuseOnce{fakeSG: f}
	if _, err := d.Do(context.Background(), &scsi.Command{CDB: scsi.TestUnitReady()}); !errors.Is(err, unix.ENOMEM) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ENOMEM without ErrOutcomeUnknown", err)
	}
	if _, err := d.Do(context.Background(), &scsi.Command{CDB: scsi.TestUnitReady()}); err != nil {
		t.Fatalf("next command: %v", err)
	}
}

type refuseOnce struct {
	*fakeSG
	done bool
}

func (r *refuseOnce) submit(h *sgIOHdr) error {
	if !r.done {
		r.done = true
		return unix.ENOMEM
	}
	return r.fakeSG.submit(h)
}

func TestDoTransferLimit(t *testing.T) {
	f := newFakeSG(t, nil)
	d := fakeDevice(f)
	d.max = 512 << 10
	cmd := &scsi.Command{CDB: scsi.TestUnitReady(), Direction: scsi.DirIn, Data: make([]byte, 2<<20)}
	_, err := d.Do(context.Background(), cmd)
	var le *scsi.TransferLimitError
	if !errors.As(err, &le) || le.Length != 2<<20 || le.Limit != 512<<10 || !errors.Is(err, scsi.ErrTransferTooLong) {
		t.Fatalf("err = %v, want a *scsi.TransferLimitError naming 2097152 and 524288", err)
	}
	if len(f.executed) != 0 {
		t.Error("a refused command reached the device")
	}
}

func TestHostLimit(t *testing.T) {
	for _, c := range []struct{ sect, tbl, page, want int }{
		{1310720, 128, 4096, 524288}, // mhvtl in the real-kernel VM
		{4 << 20, 2048, 4096, 4 << 20},
		{0, 128, 4096, 524288},
		{1 << 20, 0, 4096, 1 << 20},
		{0, 0, 4096, 0},
	} {
		if got := hostLimit(c.sect, c.tbl, c.page); got != c.want {
			t.Errorf("hostLimit(%d, %d, %d) = %d, want %d", c.sect, c.tbl, c.page, got, c.want)
		}
	}
}
