//go:build linux

package sgio

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

func TestNewHdr(t *testing.T) {
	cdb := scsi.Inquiry(false, 0, 96)
	data := make([]byte, 96)
	sense := make([]byte, SenseBufferSize)
	h, err := newHdr(&scsi.Command{CDB: cdb, Direction: scsi.DirIn, Data: data}, sense, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		ID, Dir           int32
		CmdLen, MxSb      uint8
		DxferLen, Timeout uint32
		Cmd, Sense, Data  bool
	}
	got := view{h.interfaceID, h.dxferDirection, h.cmdLen, h.mxSbLen, h.dxferLen, h.timeout,
		h.cmdp == unsafe.Pointer(&cdb[0]), h.sbp == unsafe.Pointer(&sense[0]), h.dxferp == unsafe.Pointer(&data[0])}
	want := view{'S', sgDxferFromDev, 6, 252, 96, 2000, true, true, true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	h, err = newHdr(&scsi.Command{CDB: scsi.Rewind(false)}, sense, 0)
	if err != nil {
		t.Fatal(err)
	}
	if h.dxferDirection != sgDxferNone || h.dxferp != nil || h.timeout != 1 {
		t.Errorf("no-data command: direction %d dxferp %v timeout %d", h.dxferDirection, h.dxferp, h.timeout)
	}
	h, err = newHdr(&scsi.Command{CDB: make([]byte, 6), Direction: scsi.DirOut, Data: []byte{1}}, sense, 100*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if h.dxferDirection != sgDxferToDev || h.timeout != maxTimeoutMillisec {
		t.Errorf("write: direction %d timeout %d", h.dxferDirection, h.timeout)
	}
	for name, cmd := range map[string]*scsi.Command{
		"short CDB":      {CDB: []byte{0, 0}},
		"long CDB":       {CDB: make([]byte, 17)},
		"data with none": {CDB: make([]byte, 6), Data: []byte{1}},
		"bad direction":  {CDB: make([]byte, 6), Direction: 7},
	} {
		if _, err := newHdr(cmd, sense, time.Second); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestResult(t *testing.T) {
	sense := make([]byte, SenseBufferSize)
	copy(sense, []byte{0x70, 0, 3, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0})
	sense[20] = 0xee // beyond sb_len_wr: must not be returned

	// CHECK CONDITION with sense: driver_status carries DRIVER_SENSE,
	// which is not a transport failure.
	res, err := result(&sgIOHdr{status: 2, sbLenWr: 18, driverStatus: driverSense, resid: 5}, sense)
	if err != nil {
		t.Fatal(err)
	}
	want := scsi.Result{Status: scsi.StatusCheckCondition, Sense: sense[:18], Residual: 5}
	if d := cmp.Diff(want, res); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	var se *scsi.SenseError
	if err := scsi.Check(res); !errors.As(err, &se) || se.Sense.ASC != 0x11 {
		t.Errorf("Check = %v", err)
	}

	// DID_TIME_OUT from the host adapter.
	_, err = result(&sgIOHdr{hostStatus: 0x03}, sense)
	var te *scsi.TransportError
	if !errors.As(err, &te) || te.HostStatus != 3 || te.DriverStatus != 0 {
		t.Fatalf("host timeout: err = %v", err)
	}
	if got := te.Error(); got != "scsi: SG_IO: transport failure: host status 0x3 (timed out), driver status 0x0" {
		t.Errorf("Error() = %q", got)
	}
	// DRIVER_TIMEOUT (6) from the kernel driver.
	if _, err := result(&sgIOHdr{driverStatus: 0x06}, sense); !errors.As(err, &te) || te.DriverStatus != 6 {
		t.Errorf("driver timeout: err = %v", err)
	}
	// GOOD, nothing else.
	if res, err := result(&sgIOHdr{}, sense); err != nil || res.Sense != nil {
		t.Errorf("good: %v, %v", res, err)
	}
}

func TestOpenNotSG(t *testing.T) {
	if _, err := Open("/nonexistent/sg0", nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing device: err = %v", err)
	}
	// /dev/null is no sg device: SG_GET_VERSION_NUM fails with ENOTTY.
	if _, err := os.Stat("/dev/null"); err != nil {
		t.Skip("no /dev/null")
	}
	if _, err := Open("/dev/null", nil); err == nil {
		t.Error("opening /dev/null as an sg device succeeded")
	}
}

func TestDoClosed(t *testing.T) {
	d := &Device{path: "test", closed: true}
	if _, err := d.Do(context.Background(), &scsi.Command{CDB: scsi.TestUnitReady()}); !errors.Is(err, ErrClosed) {
		t.Errorf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Do(ctx, &scsi.Command{CDB: scsi.TestUnitReady()}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}
