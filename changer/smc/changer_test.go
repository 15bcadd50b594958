package smc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/smc"
	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
)

// quirky wraps a target to play libraries that reject the VOLTAG or DVCID
// bit, or answer a first READ ELEMENT STATUS with less than asked.
type quirky struct {
	t              scsi.Transport
	noVolTag       bool
	noDVCID        bool
	shrinkOnce     bool
	readsRejected  int
	readsTruncated int
}

func (q *quirky) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	if c[0] == smc.OpReadElementStatus {
		if (q.noVolTag && c[1]&0x10 != 0) || (q.noDVCID && c[6]&0x01 != 0) {
			q.readsRejected++
			// ILLEGAL REQUEST, INVALID FIELD IN CDB.
			sense := []byte{0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0}
			return scsi.Result{Status: scsi.StatusCheckCondition, Sense: sense, Residual: len(cmd.Data)}, nil
		}
		if q.shrinkOnce {
			q.shrinkOnce = false
			q.readsTruncated++
			short := *cmd
			short.CDB = append([]byte(nil), c...)
			short.CDB[7], short.CDB[8], short.CDB[9] = 0, 0, 40
			short.Data = cmd.Data[:40]
			res, err := q.t.Do(ctx, &short)
			res.Residual += len(cmd.Data) - 40
			return res, err
		}
	}
	return q.t.Do(ctx, cmd)
}

func native(t *testing.T, l *simulator.Library) changer.Inventory {
	inv, err := l.Changer().Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestInventoryMatchesLibrary(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		q             quirky
		barcodes      bool
		serials       bool
		wantRejected  int
		wantTruncated int
	}{
		{name: "full", barcodes: true, serials: true},
		{name: "no DVCID", q: quirky{noDVCID: true}, barcodes: true, wantRejected: 1},
		{name: "no VOLTAG", q: quirky{noVolTag: true, noDVCID: true}, wantRejected: 2},
		{name: "short allocation", q: quirky{shrinkOnce: true}, barcodes: true, serials: true, wantTruncated: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := library(t)
			if err := l.Changer().Move(ctx, l.SlotAddress(2), l.DriveAddress(1)); err != nil {
				t.Fatal(err)
			}
			target, _ := l.ChangerTarget()
			q := tc.q
			q.t = target
			c, err := smc.New(&q, &smc.Options{PageSize: 4})
			if err != nil {
				t.Fatal(err)
			}
			want := native(t, l)
			for i := range want {
				if !tc.barcodes {
					want[i].Barcode = ""
				}
				if !tc.serials {
					want[i].DriveSerial = ""
				}
			}
			for range 2 { // the second read uses what the first learned
				got, err := c.Inventory(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("inventory through SMC differs from the library's (-want +got):\n%s", d)
				}
			}
			if q.readsRejected != tc.wantRejected || q.readsTruncated != tc.wantTruncated {
				t.Fatalf("rejected %d, truncated %d reads; want %d, %d", q.readsRejected, q.readsTruncated, tc.wantRejected, tc.wantTruncated)
			}
		})
	}
}

func TestMoveErrorsCarrySense(t *testing.T) {
	ctx := context.Background()
	l := library(t)
	target, _ := l.ChangerTarget()
	c, _ := smc.New(target, nil)
	err := c.Move(ctx, l.SlotAddress(1), l.SlotAddress(2))
	var se *scsi.SenseError
	var me *changer.MoveError
	if !errors.Is(err, changer.ErrDestinationFull) || !errors.As(err, &se) || !errors.As(err, &me) {
		t.Fatalf("move onto a full slot: %v", err)
	}
	if se.Sense.ASC != 0x3B || se.Sense.ASCQ != 0x0D || me.From != l.SlotAddress(1) {
		t.Fatalf("sense %02X/%02X, from %d", se.Sense.ASC, se.Sense.ASCQ, me.From)
	}
	l.FailRobot(true)
	if err := c.Move(ctx, l.SlotAddress(1), l.SlotAddress(9)); !errors.Is(err, changer.ErrRobotFailure) {
		t.Fatalf("move with a failed robot: %v", err)
	}
	l.FailRobot(false)
	// The simulated robot has one gripper: EXCHANGE MEDIUM is an invalid
	// operation code (05/20/00) there, a command the library lacks, not a
	// bad element address.
	if err := c.Exchange(ctx, l.SlotAddress(1), l.SlotAddress(2), l.SlotAddress(1)); !errors.Is(err, errors.ErrUnsupported) || errors.Is(err, changer.ErrInvalidElement) || !errors.As(err, &se) {
		t.Fatalf("exchange on a one-gripper robot: %v, want errors.ErrUnsupported and the sense", err)
	}
	if err := c.Reinventory(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := c.Inventory(ctx); !errors.Is(err, changer.ErrClosed) {
		t.Fatalf("inventory after close: %v", err)
	}
}
