package mtx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
)

// senseDump is what mtx's PrintRequestSense writes for fixed-format sense
// without a valid INFORMATION field.
func senseDump(key, asc, ascq string) string {
	return "mtx: Request Sense: Long Report=yes\n" +
		"mtx: Request Sense: Valid Residual=no\n" +
		"mtx: Request Sense: Error Code=70 (Current)\n" +
		"mtx: Request Sense: Sense Key=" + key + "\n" +
		"mtx: Request Sense: FileMark=no\n" +
		"mtx: Request Sense: EOM=no\n" +
		"mtx: Request Sense: ILI=no\n" +
		"mtx: Request Sense: Additional Sense Code = " + asc + "\n" +
		"mtx: Request Sense: Additional Sense Qualifier = " + ascq + "\n" +
		"mtx: Request Sense: BPV=no\n" +
		"mtx: Request Sense: Error in CDB=no\n" +
		"mtx: Request Sense: SKSV=no\n"
}

func TestParseFailureFixture(t *testing.T) {
	got := mtx.ParseFailure("load", []byte(fixture(t, "mhvtl_STK_L700_move_medium_failure_sense.txt")), 1)
	want := &mtx.Error{
		Op:       "load",
		Message:  "MOVE MEDIUM from Element Address 1001 to 502 Failed",
		HasSense: true, SenseKey: 0x04, ASC: 0x04, ASCQ: 0x03,
		ExitCode: 1,
		Err:      changer.ErrRobotFailure,
	}
	if diff := cmp.Diff(*want, *got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("ParseFailure (-want +got):\n%s", diff)
	}
	var err error = got
	if !errors.Is(err, changer.ErrRobotFailure) {
		t.Errorf("errors.Is(%v, ErrRobotFailure) = false", err)
	}
	if got.Retryable() {
		t.Error("a robot failure must not be retried blindly")
	}
	const text = "mtx load: MOVE MEDIUM from Element Address 1001 to 502 Failed [Hardware Error 04/03 logical unit not ready, manual intervention required]: changer: robot failure"
	if got.Error() != text {
		t.Errorf("Error() = %q\nwant      %q", got.Error(), text)
	}
}

func TestParseFailure(t *testing.T) {
	tests := []struct {
		name, op, out string
		want          *mtx.Error
	}{
		{
			name: "source empty, prefix from argv0",
			op:   "transfer",
			out:  "/usr/sbin/mtx: Source Element Address 1004 is Empty\n",
			want: &mtx.Error{Message: "Source Element Address 1004 is Empty", Err: changer.ErrSourceEmpty},
		},
		{
			name: "destination full after progress without newline",
			op:   "load",
			out:  "Loading media from Storage Element 3 into drive 0...mtx: Destination Element Address 500 is Already Full\n",
			want: &mtx.Error{Message: "Destination Element Address 500 is Already Full", Err: changer.ErrDestinationFull},
		},
		{
			name: "unload from empty drive (mtx's own check)",
			op:   "unload",
			out:  "mtx: Data Transfer Element 1 is Empty\n",
			want: &mtx.Error{Message: "Data Transfer Element 1 is Empty", Err: changer.ErrSourceEmpty},
		},
		{
			name: "unload into full slot (mtx's own check)",
			op:   "unload",
			out:  "mtx: Storage Element 4 is Already Full\n",
			want: &mtx.Error{Message: "Storage Element 4 is Already Full", Err: changer.ErrDestinationFull},
		},
		{
			name: "load into full drive (mtx's own check)",
			op:   "load",
			out:  "mtx: Drive 0 Full (Storage Element 9 loaded)\n",
			want: &mtx.Error{Message: "Drive 0 Full (Storage Element 9 loaded)", Err: changer.ErrDestinationFull},
		},
		{
			name: "bad slot number",
			op:   "load",
			out:  "mtx: Invalid <storage-element-number> argument '99' to 'load' command\n",
			want: &mtx.Error{Message: "Invalid <storage-element-number> argument '99' to 'load' command", Err: changer.ErrInvalidElement},
		},
		{
			name: "bad drive number",
			op:   "unload",
			out:  "mtx: illegal <drive-number> argument '7' to 'unload' command\n",
			want: &mtx.Error{Message: "illegal <drive-number> argument '7' to 'unload' command", Err: changer.ErrInvalidElement},
		},
		{
			name: "bad transfer destination",
			op:   "transfer",
			out:  "mtx: Invalid destination\n",
			want: &mtx.Error{Message: "Invalid destination", Err: changer.ErrInvalidElement},
		},
		{
			name: "drive still threaded",
			op:   "unload",
			out:  "Unloading drive 0 into Storage Element 3...mtx: Drive needs offline before move\n",
			want: &mtx.Error{Message: "Drive needs offline before move", Err: changer.ErrDriveLoaded},
		},
		{
			name: "invalid element address by sense",
			op:   "transfer",
			out:  senseDump("Illegal Request", "21", "01") + "mtx: MOVE MEDIUM from Element Address 1000 to 4000 Failed\n",
			want: &mtx.Error{Message: "MOVE MEDIUM from Element Address 1000 to 4000 Failed", HasSense: true, SenseKey: 5, ASC: 0x21, ASCQ: 0x01, Err: changer.ErrInvalidElement},
		},
		{
			name: "incompatible medium",
			op:   "load",
			out:  "Loading media from Storage Element 1 into drive 0..." + senseDump("Illegal Request", "30", "00") + "mtx: MOVE MEDIUM from Element Address 1000 to 500 Failed\n",
			want: &mtx.Error{Message: "MOVE MEDIUM from Element Address 1000 to 500 Failed", HasSense: true, SenseKey: 5, ASC: 0x30, Err: changer.ErrIncompatibleMedium},
		},
		{
			name: "not ready",
			op:   "status",
			out:  senseDump("Not Ready", "04", "01") + "mtx: READ ELEMENT STATUS Command Failed\n",
			want: &mtx.Error{Message: "READ ELEMENT STATUS Command Failed", HasSense: true, SenseKey: 2, ASC: 0x04, ASCQ: 0x01, Err: changer.ErrNotReady},
		},
		{
			name: "unit attention after reset",
			op:   "status",
			out:  senseDump("Unit Attention", "29", "00") + "mtx: READ ELEMENT STATUS Command Failed\n",
			want: &mtx.Error{Message: "READ ELEMENT STATUS Command Failed", HasSense: true, SenseKey: 6, ASC: 0x29, Err: mtx.ErrUnitAttention},
		},
		{
			name: "last of two dumps counts",
			op:   "load",
			out:  senseDump("Unit Attention", "28", "00") + "Mode sense (0x1A) for Page 0x1D failed\n" + senseDump("Hardware Error", "15", "01") + "mtx: MOVE MEDIUM from Element Address 1000 to 500 Failed\n",
			want: &mtx.Error{Message: "MOVE MEDIUM from Element Address 1000 to 500 Failed", HasSense: true, SenseKey: 4, ASC: 0x15, ASCQ: 0x01, Err: changer.ErrRobotFailure},
		},
		{
			name: "library without EXCHANGE MEDIUM",
			op:   "exchange",
			out:  senseDump("Illegal Request", "20", "00") + "mtx: EXCHANGE MEDIUM from Element Address 1000 to 1002 Failed\n",
			want: &mtx.Error{Message: "EXCHANGE MEDIUM from Element Address 1000 to 1002 Failed", HasSense: true, SenseKey: 5, ASC: 0x20, Err: errors.ErrUnsupported},
		},
		{
			name: "unmapped sense keeps text, no sentinel",
			op:   "load",
			out:  senseDump("Aborted Command", "44", "00") + "mtx: MOVE MEDIUM from Element Address 1000 to 500 Failed\n",
			want: &mtx.Error{Message: "MOVE MEDIUM from Element Address 1000 to 500 Failed", HasSense: true, SenseKey: 0x0B, ASC: 0x44},
		},
		{
			name: "inventory failure has no sense",
			op:   "inventory",
			out:  "mtx:inventory failed\n",
			want: &mtx.Error{Message: "mtx:inventory failed"},
		},
		{
			name: "nothing printed",
			op:   "status",
			out:  "",
			want: &mtx.Error{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Op, tt.want.ExitCode = tt.op, 1
			got := mtx.ParseFailure(tt.op, []byte(tt.out), 1)
			if diff := cmp.Diff(*tt.want, *got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("ParseFailure (-want +got):\n%s", diff)
			}
			if tt.want.Err != nil && !errors.Is(got, tt.want.Err) {
				t.Errorf("errors.Is(%v, %v) = false", got, tt.want.Err)
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	for _, tt := range []struct {
		key, asc, ascq uint8
		want           bool
	}{
		{0x06, 0x28, 0x00, true},
		{0x06, 0x29, 0x00, true},
		{0x02, 0x04, 0x01, true},
		{0x04, 0x04, 0x03, false},
		{0x05, 0x3B, 0x0E, false},
		{0x06, 0x2A, 0x01, false},
	} {
		e := &mtx.Error{HasSense: true, SenseKey: tt.key, ASC: tt.asc, ASCQ: tt.ascq, Err: mtx.MapSense(tt.key, tt.asc, tt.ascq)}
		if got := e.Retryable(); got != tt.want {
			t.Errorf("%02X/%02X/%02X Retryable = %v, want %v", tt.key, tt.asc, tt.ascq, got, tt.want)
		}
	}
}

func TestASCText(t *testing.T) {
	for _, tt := range []struct {
		asc, ascq uint8
		want      string
	}{
		{0x3B, 0x0E, "medium source element empty"},
		{0x3B, 0x0D, "medium destination element full"},
		{0x21, 0x01, "invalid element address"},
		{0x83, 0x00, "vendor specific ASC/ASCQ 83/00"},
		{0x3B, 0x99, "vendor specific ASC/ASCQ 3B/99"},
		{0x3B, 0x42, "ASC/ASCQ 3B/42"},
	} {
		if got := mtx.ASCText(tt.asc, tt.ascq); got != tt.want {
			t.Errorf("ASCText(%02X, %02X) = %q, want %q", tt.asc, tt.ascq, got, tt.want)
		}
	}
	if got := mtx.SenseKeyName(0x0B); !strings.Contains(got, "Aborted") {
		t.Errorf("SenseKeyName(0x0B) = %q", got)
	}
}
