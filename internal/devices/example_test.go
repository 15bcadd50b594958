package devices_test

import (
	"context"
	"fmt"
	"os"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/internal/devices"
	"github.com/tapekit/tapekit/simulator"
)

// Example opens a simulated library through its SCSI targets, as a real
// library is opened through /dev/sgN: the changer from its spec, and the
// drive at the first data transfer element found by the serial number
// the changer reports for it.
func Example() {
	dir, _ := os.MkdirTemp("", "devices-example")
	defer os.RemoveAll(dir)
	lib, _ := simulator.Open(dir, nil, nil) // creates the library
	lib.Close()

	ctx := context.Background()
	h := devices.NewHost(nil)
	defer h.Close()
	spec, err := devices.ParseChanger("sim-sg:" + dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _, err := h.OpenChanger(ctx, spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	inv, _ := c.Inventory(ctx)
	el := inv.OfType(changer.DataTransfer)[0]
	dev, _ := h.FindDrive(ctx, spec, el.DriveSerial)
	t, err := h.OpenDrive(ctx, dev)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer devices.CloseTransport(t)
	fmt.Println(dev == "sim-sg:"+dir+":0")
	// Output: true
}
