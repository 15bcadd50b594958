package ssc_test

import (
	"bytes"
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/ssc"
)

// TestHostTransferLimit: through a host adapter that takes 512 KiB per
// command (the simulator's default, as mhvtl's and many HBAs'), the driver
// reports that limit as the largest block although the drive takes 8 MiB,
// refuses to write a longer block, and reading a longer block written
// elsewhere gives a typed error naming both sizes instead of EINVAL.
func TestHostTransferLimit(t *testing.T) {
	ctx := context.Background()
	l := library(t)
	if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	target, err := l.DriveTarget(0)
	if err != nil {
		t.Fatal(err)
	}
	const lim = simulator.DefaultHostMaxTransfer

	// The target refuses what the kernel refuses, as the kernel does.
	_, err = target.Do(ctx, &scsi.Command{CDB: scsi.ReadBlockLimits(), Direction: scsi.DirIn, Data: make([]byte, lim+4096)})
	if !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("a %d-byte transfer through the target: err = %v, want EINVAL", lim+4096, err)
	}

	d := ssc.New(target, nil)
	st, err := d.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.MaxBlockSize != lim {
		t.Errorf("MaxBlockSize = %d, want the host's %d (the drive takes 8 MiB)", st.MaxBlockSize, lim)
	}

	// A block over the limit is refused before anything is sent.
	err = d.Write(ctx, make([]byte, lim+1))
	var he *tape.HostLimitError
	if !errors.As(err, &he) || he.Length != lim+1 || he.Limit != lim || !he.Write ||
		!errors.Is(err, tape.ErrIllegalRequest) || tape.MayHaveWritten(err) {
		t.Fatalf("writing %d bytes: err = %v, want a refused *tape.HostLimitError", lim+1, err)
	}
	if pos, _ := d.Position(ctx); pos.Block != 0 {
		t.Errorf("after the refused write the drive is at block %d, want 0", pos.Block)
	}

	// A 1 MiB block written on another host (the native drive has no
	// host adapter), then a block of the limit's size.
	native, _ := l.Drive(0)
	big := bytes.Repeat([]byte{7}, 1<<20)
	for _, b := range [][]byte{big, bytes.Repeat([]byte{9}, lim)} {
		if err := native.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := native.WriteFilemarks(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
	if err := d.Rewind(ctx); err != nil {
		t.Fatal(err)
	}
	// A buffer larger than the host takes is used up to the limit.
	buf := make([]byte, 8<<20)
	n, err := d.Read(ctx, buf)
	if !errors.As(err, &he) || he.Length != 1<<20 || he.Limit != lim || he.Write || !errors.Is(err, tape.ErrBlockTooLong) {
		t.Fatalf("reading a 1 MiB block: n %d, err = %v, want a *tape.HostLimitError of 1048576 and %d bytes", n, err, lim)
	}
	if n != lim || !bytes.Equal(buf[:n], big[:n]) {
		t.Errorf("read %d bytes, want the block's first %d", n, lim)
	}
	for _, s := range []string{"1048576", "524288"} {
		if !bytes.Contains([]byte(err.Error()), []byte(s)) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}
	// The drive is past the long block: the next one reads whole.
	n, err = d.Read(ctx, buf)
	if err != nil || n != lim || buf[0] != 9 {
		t.Fatalf("next block: n %d, err %v", n, err)
	}
	if pos, _ := d.Position(ctx); pos.Block != 2 {
		t.Errorf("position %d, want 2", pos.Block)
	}
}

// TestNoHostLimit: a library configured without a host limit lets the
// drive's own 8 MiB through.
func TestNoHostLimit(t *testing.T) {
	ctx := context.Background()
	l, err := simulator.New(nil, &simulator.Options{HostMaxTransfer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	target, _ := l.DriveTarget(0)
	st, err := ssc.New(target, nil).Status(ctx)
	if err != nil || st.MaxBlockSize != 8<<20 {
		t.Fatalf("MaxBlockSize %d, err %v; want 8 MiB", st.MaxBlockSize, err)
	}
}
