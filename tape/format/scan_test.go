package format_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
	"github.com/tapekit/tapekit/tape/ssc"
)

// The tests in this file check that Scan reports only the files on the
// tape, whatever a drive does after an unrecovered read error. Drives
// differ there: the simulator leaves the drive after the bad block, but a
// drive may also answer a read where the data ends with a medium error
// instead of BLANK CHECK (it cannot read the end-of-data mark: 03/14/03),
// or be reset by the error and rewind. The wrappers below play those
// drives, natively and through SCSI, over the simulator's media errors.

// quirk is what a drive does after it reported an unrecovered read error.
type quirk int

const (
	// eodUnreadable: a read at end of data fails with a medium error.
	eodUnreadable quirk = iota
	// resetRewinds: the drive is reset and rewinds; through SCSI the next
	// command gets UNIT ATTENTION 29/00.
	resetRewinds
	// fails: the drive fails (hardware error) from then on.
	fails
)

func (q quirk) String() string {
	return [...]string{"eod-unreadable", "reset-rewinds", "fails"}[q]
}

// quirkyDrive is a native drive with a quirk.
type quirkyDrive struct {
	tape.Drive
	lib     *simulator.Library
	q       quirk
	errored bool
}

func (d *quirkyDrive) Read(ctx context.Context, p []byte) (int, error) {
	n, err := d.Drive.Read(ctx, p)
	switch {
	case errors.Is(err, tape.ErrMediumError):
		d.errored = true
		if rerr := d.q.after(ctx, d.Drive, d.lib); rerr != nil {
			return 0, rerr
		}
	case d.errored && d.q == eodUnreadable && errors.Is(err, tape.ErrEndOfData):
		return 0, &tape.Error{Op: "read", Err: fmt.Errorf("%w: end-of-data not found", tape.ErrMediumError)}
	}
	return n, err
}

// quirkyTarget is the simulator's SCSI target of a drive with a quirk.
type quirkyTarget struct {
	t       scsi.Transport
	native  *simulator.Drive // the same drive, to rewind it
	lib     *simulator.Library
	q       quirk
	errored bool
	reset   bool // the next command gets UNIT ATTENTION
}

// after plays the quirk q once a read failed on d, drive 0 of lib.
func (q quirk) after(ctx context.Context, d tape.Drive, lib *simulator.Library) error {
	switch q {
	case resetRewinds:
		return d.Rewind(ctx)
	case fails:
		return lib.FailDrive(0, true)
	}
	return nil
}

func fixedSense(key, asc, ascq byte) []byte {
	s := make([]byte, 18)
	s[0], s[2], s[7], s[12], s[13] = 0x70, key, 10, asc, ascq
	return s
}

// MaxTransfer passes on the host's limit, as any transport wrapper must:
// without it the driver would size reads by the drive's 8 MiB, and the
// target refuse them as a host would.
func (q *quirkyTarget) MaxTransfer() int { return scsi.MaxTransfer(q.t) }

func (q *quirkyTarget) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if q.reset && cmd.CDB[0] != scsi.OpInquiry && cmd.CDB[0] != scsi.OpRequestSense {
		q.reset = false
		return scsi.Result{Status: scsi.StatusCheckCondition, Sense: fixedSense(0x06, 0x29, 0x00), Residual: len(cmd.Data)}, nil
	}
	res, err := q.t.Do(ctx, cmd)
	if err != nil || cmd.CDB[0] != scsi.OpRead6 || res.Status != scsi.StatusCheckCondition {
		return res, err
	}
	s, derr := scsi.DecodeSense(res.Sense)
	if derr != nil {
		return res, err
	}
	switch {
	case s.Key == scsi.KeyMediumError:
		q.errored = true
		if rerr := q.q.after(ctx, q.native, q.lib); rerr != nil {
			return res, rerr
		}
		q.reset = q.q == resetRewinds
	case q.errored && q.q == eodUnreadable && s.Key == scsi.KeyBlankCheck:
		res.Sense = fixedSense(0x03, 0x14, 0x03) // MEDIUM ERROR, end-of-data not found
	}
	return res, err
}

// quirky returns drive 0 of m with quirk q, native or through SCSI.
func quirky(t *testing.T, m *mounted, q quirk, via string) tape.Drive {
	t.Helper()
	if via == "native" {
		return &quirkyDrive{Drive: m.drive, lib: m.lib, q: q}
	}
	target, err := m.lib.DriveTarget(0)
	if err != nil {
		t.Fatal(err)
	}
	return ssc.New(&quirkyTarget{t: target, native: m.drive, lib: m.lib, q: q}, &ssc.Options{Retries: 1, Sleep: func(context.Context, time.Duration) error { return nil }})
}

// scanLines scans d from file 1 and describes each record or error; it
// gives up after 10, as a scan that goes round in circles would not.
func scanLines(d tape.Drive) []string {
	var got []string
	for rec, err := range format.Scan(context.Background(), d, 1, nil) {
		if len(got) == 10 {
			return append(got, "...")
		}
		if err != nil {
			got = append(got, "error: "+err.Error())
			continue
		}
		got = append(got, fmt.Sprintf("%d %s", rec.FSeq, rec.Status))
	}
	return got
}

// TestScanAfterReadError: whatever the drive does after a read error,
// Scan reports each file on the tape once, the damaged one damaged, and
// no other.
func TestScanAfterReadError(t *testing.T) {
	// first is the first block of file i; inside a block of its data (an
	// ANSI file's data follows its three header labels and a filemark).
	first := func(i int) func([]format.Record) int64 {
		return func(r []format.Record) int64 { return r[i].Block }
	}
	inside := func(i int) func([]format.Record) int64 {
		return func(r []format.Record) int64 {
			if r[i].Format == format.FormatANSI {
				return r[i].Block + 5
			}
			return r[i].Block + 2
		}
	}
	for _, tc := range []struct {
		name  string
		sizes []int
		bad   func([]format.Record) int64 // the unreadable block
		want  []string
	}{
		{"last file damaged inside", []int{10_000, 50_000}, inside(1), []string{"1 ok", "2 damaged"}},
		{"last file's first block", []int{10_000, 50_000}, first(1), []string{"1 ok", "2 damaged"}},
		{"middle file damaged inside", []int{10_000, 50_000, 7}, inside(1), []string{"1 ok", "2 damaged", "3 ok"}},
		{"middle file's first block", []int{10_000, 50_000, 7}, first(1), []string{"1 ok", "2 damaged", "3 ok"}},
	} {
		for _, f := range []string{format.FormatPAX, format.FormatANSI} {
			for _, q := range []quirk{eodUnreadable, resetRewinds} {
				for _, via := range []string{"native", "scsi"} {
					t.Run(fmt.Sprintf("%s/%s/%s/%s", tc.name, f, q, via), func(t *testing.T) {
						m := mount(t, nil)
						if _, err := format.Label(context.Background(), m.drive, barcode, &format.LabelOptions{Format: f, Now: fixedNow}); err != nil {
							t.Fatal(err)
						}
						recs, _ := archive(t, m.drive, &format.WriterOptions{Format: f, BlockSize: 8 << 10}, tc.sizes...)
						bad := tc.bad(recs)
						if err := m.lib.InjectMediaError(barcode, bad, bad, simulator.FaultRead); err != nil {
							t.Fatal(err)
						}
						d := quirky(t, m, q, via)
						if diff := cmp.Diff(tc.want, scanLines(d)); diff != "" {
							t.Errorf("scan with a media error at block %d (-want +got):\n%s", bad, diff)
						}
					})
				}
			}
		}
	}
}

// TestScanStopsWhereItCannotGo: when the drive fails after a read error,
// the scan cannot reach the next file. It reports the damaged file when a
// block of it was read, and stops with one error that names the file and
// matches both the read error and the failure that stopped it; it never
// reports a file that nothing shows is there.
func TestScanStopsWhereItCannotGo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offset  int64 // of the unreadable block in file 2
		records []string
	}{
		{"inside", 2, []string{"1 ok", "2 damaged"}},
		{"first block", 0, []string{"1 ok"}},
	} {
		for _, via := range []string{"native", "scsi"} {
			t.Run(tc.name+"/"+via, func(t *testing.T) {
				m := labelled(t, nil)
				recs, _ := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 10_000, 50_000, 7)
				bad := recs[1].Block + tc.offset
				if err := m.lib.InjectMediaError(barcode, bad, bad, simulator.FaultRead); err != nil {
					t.Fatal(err)
				}
				var got []string
				var errs []error
				for rec, err := range format.Scan(context.Background(), quirky(t, m, fails, via), 1, nil) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					got = append(got, fmt.Sprintf("%d %s", rec.FSeq, rec.Status))
				}
				if diff := cmp.Diff(tc.records, got); diff != "" {
					t.Errorf("records (-want +got):\n%s", diff)
				}
				if len(errs) != 1 {
					t.Fatalf("errors %v, want one", errs)
				}
				err := errs[0]
				var fe *format.FileError
				if !errors.As(err, &fe) || fe.Op != "scan" || fe.FSeq != 2 || !errors.Is(err, tape.ErrMediumError) || !errors.Is(err, tape.ErrHardwareError) {
					t.Errorf("scan error %v: want a scan *FileError of file 2 matching the medium error and the drive's failure", err)
				}
			})
		}
	}
}
