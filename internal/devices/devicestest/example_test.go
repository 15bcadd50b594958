package devicestest_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/tapekit/tapekit/internal/devices/devicestest"
	"github.com/tapekit/tapekit/scsi/sgio"
)

// ExampleWriteSysfs lists the devices of the fake sysfs tree as a host
// would find them.
func ExampleWriteSysfs() {
	root, err := os.MkdirTemp("", "sysfs")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)
	if err := devicestest.WriteSysfs(root); err != nil {
		fmt.Println(err)
		return
	}
	devs, err := sgio.Discover(root)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range devs {
		fmt.Println(strings.Join(strings.Fields(fmt.Sprint(d.Generic, " ", d.Type, " ", d.Tape, d.Changer, " ", d.Serial)), " "))
	}
	// Output:
	// /dev/sg0 8 /dev/sch0
	// /dev/sg1 1 /dev/nst0 1013000123
	// /dev/sg2 0
}
