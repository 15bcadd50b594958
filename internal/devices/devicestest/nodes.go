package devicestest

import (
	"io/fs"
	"testing"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/scsi/sgio"
	"github.com/tapekit/tapekit/simulator"
)

// SGNodes opens the default simulated library in a temporary directory
// of the test and serves SCSI generic node names from it, as mhvtl lays
// one out: /dev/sg0 is its changer and /dev/sg1 its drive 0; /dev/sg7
// fails with fs.ErrPermission, every other name with fs.ErrNotExist. It
// stands in for sgio.Open (devices.Options.OpenNode), so that everything
// of a real device's path but SG_IO itself runs in a test.
func SGNodes(t testing.TB) func(string, *sgio.Options) (scsi.Transport, error) {
	t.Helper()
	l, err := simulator.Open(t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return func(node string, _ *sgio.Options) (scsi.Transport, error) {
		switch node {
		case "/dev/sg0":
			return l.ChangerTarget()
		case "/dev/sg1":
			return l.DriveTarget(0)
		case "/dev/sg7":
			return nil, fs.ErrPermission
		}
		return nil, fs.ErrNotExist
	}
}
