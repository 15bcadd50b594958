package scsi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

// scripted is a Transport that answers each CDB from a table, the way a
// test (or the simulator's target) implements the interface.
type scripted map[string]scsi.Result

func (s scripted) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	res, ok := s[fmt.Sprintf("% x", cmd.CDB)]
	if !ok {
		return scsi.Result{}, fmt.Errorf("unexpected CDB % x", cmd.CDB)
	}
	if cmd.Direction == scsi.DirIn && res.Status == scsi.StatusGood {
		// The canned data travels in Sense's place for GOOD results.
		n := copy(cmd.Data, res.Sense)
		res = scsi.Result{Status: res.Status, Residual: len(cmd.Data) - n}
	}
	return res, nil
}

func TestExecAndCheck(t *testing.T) {
	medErr := unhex(t, "70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00")
	tr := scripted{
		"00 00 00 00 00 00": {Status: scsi.StatusGood},
		"08 00 00 04 00 00": {Status: scsi.StatusCheckCondition, Sense: medErr, Residual: 1024},
		"01 00 00 00 00 00": {Status: scsi.StatusBusy},
		"01 01 00 00 00 00": {Status: scsi.StatusCheckCondition},
		"12 00 00 00 24 00": {Status: scsi.StatusGood, Sense: bytes.Repeat([]byte{0x20}, 20)},
	}
	ctx := context.Background()
	if _, err := scsi.Exec(ctx, tr, &scsi.Command{CDB: scsi.TestUnitReady()}); err != nil {
		t.Errorf("TUR: %v", err)
	}

	buf := make([]byte, 1024)
	cdb, _ := scsi.Read6(1024, false, false)
	res, err := scsi.Exec(ctx, tr, &scsi.Command{CDB: cdb, Direction: scsi.DirIn, Data: buf})
	var se *scsi.SenseError
	if !errors.As(err, &se) || se.Sense.Key != scsi.KeyMediumError || res.Residual != 1024 {
		t.Errorf("READ: res %+v err %v", res, err)
	}

	_, err = scsi.Exec(ctx, tr, &scsi.Command{CDB: scsi.Rewind(false)})
	var st *scsi.StatusError
	if !errors.As(err, &st) || st.Status != scsi.StatusBusy || err.Error() != "scsi: status BUSY" {
		t.Errorf("BUSY: %v", err)
	}
	// CHECK CONDITION without sense: a StatusError wrapping ErrTruncated.
	_, err = scsi.Exec(ctx, tr, &scsi.Command{CDB: scsi.Rewind(true)})
	if !errors.As(err, &st) || !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("no sense: %v", err)
	}

	inq := make([]byte, 36)
	cmd := &scsi.Command{CDB: scsi.Inquiry(false, 0, 36), Direction: scsi.DirIn, Data: inq}
	res, err = scsi.Exec(ctx, tr, cmd)
	if err != nil || res.Transferred(cmd) != 20 {
		t.Errorf("INQUIRY: transferred %d, err %v", res.Transferred(cmd), err)
	}
	if _, err := scsi.Exec(ctx, tr, &scsi.Command{CDB: scsi.TestUnitReady(), Data: []byte{1}}); err == nil {
		t.Error("data with direction none accepted")
	}
	if d := cmp.Diff(36, (scsi.Result{Residual: -4}).Transferred(cmd)); d != "" {
		t.Errorf("Transferred with a negative residual clamps: %s", d)
	}
}

func ExampleExec() {
	// A transport that reports a cartridge-less drive, as a real one
	// answers TEST UNIT READY: CHECK CONDITION, NOT READY, 3A/00.
	tr := scripted{"00 00 00 00 00 00": {
		Status: scsi.StatusCheckCondition,
		Sense:  []byte{0x70, 0, 0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x3a, 0x00, 0, 0, 0, 0},
	}}
	_, err := scsi.Exec(context.Background(), tr, &scsi.Command{CDB: scsi.TestUnitReady()})
	var se *scsi.SenseError
	if errors.As(err, &se) && se.Sense.Key == scsi.KeyNotReady && se.Sense.ASC == 0x3a {
		fmt.Println("no cartridge:", err)
	}
	// Output:
	// no cartridge: scsi: NOT READY: Medium not present (3a/00)
}

func ExampleLocate16() {
	// Move to file 7 of partition 1 (LOCATE(16), destination type file).
	fmt.Printf("% x\n", scsi.Locate16(scsi.LocateFile, 7, 1, true, false))
	// Output:
	// 92 0a 00 01 00 00 00 00 00 00 00 07 00 00 00 00
}
