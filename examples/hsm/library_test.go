package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// newSimLibrary creates a simulated library in its default shape (4
// LTO-9 drives, 20 slots) in a new directory and closes it again, as a
// site's library exists before the HSM starts. It returns the directory
// and the library's drive addresses and cartridges.
func newSimLibrary(t *testing.T) (string, []changer.Address, []simulator.CartridgeInfo) {
	dir := t.TempDir()
	l, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []changer.Address
	for i := range l.NumDrives() {
		addrs = append(addrs, l.DriveAddress(i))
	}
	carts := l.Cartridges()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, addrs, carts
}

// simConfig is a valid config of the simulated library in dir.
func simConfig(t *testing.T, dir string, drives ...driveConfig) fileConfig {
	b, err := jsonMarshal(fileConfig{
		Host:           "hsm1",
		Library:        libraryConfig{Name: "sim", Changer: "sim-sg:" + dir, Drives: drives},
		Pools:          []poolConfig{{Name: "p", Barcodes: []string{"TK"}}},
		StorageClasses: []classConfig{{Name: "c", Pools: []string{"p"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig("sim.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestOpenConfiguredLibrary opens a simulated library through its SCSI
// targets, as a real one is opened through /dev/sgN: the changer from
// its spec, drives found by serial number, by element and by device. Each
// drive then works through the SSC driver: a cartridge is loaded with the
// changer, written, read back and unloaded.
func TestOpenConfiguredLibrary(t *testing.T) {
	ctx := context.Background()
	dir, addrs, carts := newSimLibrary(t)
	last := int(addrs[3])
	cfg := simConfig(t, dir,
		driveConfig{Name: "a"}, // element 0 in address order, found by serial
		driveConfig{Name: "b", Device: fmt.Sprintf("sim-sg:%s:1", dir)}, // element 1, named
		driveConfig{Name: "c", Element: &last},                          // the last element, found by serial
	)
	lib, err := openConfiguredLibrary(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := lib.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()

	var got []string
	for _, d := range lib.drives {
		got = append(got, fmt.Sprintf("%s@%d", d.Name, d.Element))
	}
	want := []string{fmt.Sprintf("a@%d", addrs[0]), fmt.Sprintf("b@%d", addrs[1]), fmt.Sprintf("c@%d", addrs[3])}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("drives (-want +got):\n%s", d)
	}

	var wantCarts []string
	for _, ci := range carts {
		if !simulator.IsCleaning(ci.Barcode) {
			wantCarts = append(wantCarts, ci.Barcode+" LTO-9")
		}
	}
	var gotCarts []string
	for _, c := range lib.cartridges {
		gotCarts = append(gotCarts, c.Barcode+" "+c.MediaType)
		if c.Capacity <= 0 {
			t.Errorf("%s: capacity %d", c.Barcode, c.Capacity)
		}
	}
	if d := cmp.Diff(wantCarts, gotCarts); d != "" {
		t.Errorf("cartridges (-want +got):\n%s", d)
	}

	inv, err := lib.changer.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Each drive in turn: a cartridge in, three blocks written and read
	// back, the cartridge back to its slot.
	for i, d := range lib.drives {
		cart := lib.cartridges[i]
		if err := changer.Load(ctx, lib.changer, cart.Element, d.Element); err != nil {
			t.Fatalf("%s: loading %s: %v", d.Name, cart.Barcode, err)
		}
		if err := d.Drive.Load(ctx); err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		var blocks [][]byte
		for b := range 3 {
			blocks = append(blocks, bytes.Repeat([]byte{byte(b + 1)}, 64<<10))
			if err := d.Drive.Write(ctx, blocks[b]); err != nil {
				t.Fatalf("%s: writing block %d: %v", d.Name, b, err)
			}
		}
		if err := d.Drive.WriteFilemarks(ctx, 1, true); err != nil {
			t.Fatal(err)
		}
		if err := d.Drive.Rewind(ctx); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 256<<10)
		for b := range 3 {
			n, err := d.Drive.Read(ctx, buf)
			if err != nil || !bytes.Equal(buf[:n], blocks[b]) {
				t.Fatalf("%s: block %d: %d bytes, %v", d.Name, b, n, err)
			}
		}
		if _, err := d.Drive.Read(ctx, buf); !errors.Is(err, tape.ErrFilemark) {
			t.Errorf("%s: after the blocks: %v, want the filemark", d.Name, err)
		}
		if err := d.Drive.Unload(ctx); err != nil {
			t.Fatal(err)
		}
		slot, err := changer.Unload(ctx, lib.changer, d.Element)
		if err != nil || slot != cart.Element {
			t.Fatalf("%s: unloading to %d: %v; want slot %d", d.Name, slot, err, cart.Element)
		}
	}
	after, err := lib.changer.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, el := range inv {
		if a, _ := after.Element(el.Address); a.Barcode != el.Barcode {
			t.Errorf("element %d held %q, now %q", el.Address, el.Barcode, a.Barcode)
		}
	}
}

// TestOpenConfiguredLibraryErrors: a config that does not fit the library
// is refused naming the field, and leaves the library closed (it can be
// opened again at once).
func TestOpenConfiguredLibraryErrors(t *testing.T) {
	ctx := context.Background()
	dir, addrs, _ := newSimLibrary(t)
	bad := 7
	dup := int(addrs[0])
	for _, c := range []struct {
		name   string
		drives []driveConfig
		want   string
	}{
		{"more drives than the library", []driveConfig{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}}, "library.drives[4]: drive 4 of the config, but the library has 4 drives"},
		{"no such element", []driveConfig{{Name: "a", Element: &bad}}, "library.drives[0].element: the library has no drive at element 7"},
		{"element twice", []driveConfig{{Name: "a"}, {Name: "b", Element: &dup}}, `library.drives[1]: drive "a" is at element`},
		{"wrong device", []driveConfig{{Name: "a", Device: "sim-sg:" + dir + ":2"}}, "library.drives[0].device: sim-sg:" + dir + ":2 is the drive with serial number"},
		{"no such drive", []driveConfig{{Name: "a", Device: "sim-sg:" + dir + ":9"}}, "library.drives[0].device: sim-sg:" + dir + ":9: no drive 9"},
		{"no such node", []driveConfig{{Name: "a", Device: "/dev/sg-no-such"}}, "library.drives[0].device: cannot open tape drive /dev/sg-no-such"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lib, err := openConfiguredLibrary(ctx, simConfig(t, dir, c.drives...), nil)
			if err == nil {
				lib.close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v\nwant %q", err, c.want)
			}
		})
	}
	cfg := simConfig(t, dir, driveConfig{Name: "a"})
	cfg.Library.Changer = "sg:/dev/sg-no-such"
	if _, err := openConfiguredLibrary(ctx, cfg, nil); err == nil || !strings.Contains(err.Error(), "library.changer: cannot open medium changer /dev/sg-no-such") {
		t.Errorf("missing changer: %v", err)
	}
	lib, err := openConfiguredLibrary(ctx, simConfig(t, dir, driveConfig{Name: "a"}), nil)
	if err != nil {
		t.Fatalf("after the failures: %v", err)
	}
	if err := lib.close(); err != nil {
		t.Error(err)
	}
}
