package mtx_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
	"pgregory.net/rapid"
)

// model is a library as the mtx driver should see it: cartridges by
// barcode ("" is empty), and for each drive the slot it was loaded from.
type model struct {
	slots  []string // slots[i] is mtx slot i+1
	ie     int
	drives []string
	source []int
}

// move applies a move as mtx and the library decide it, and returns the
// sentinel the driver must report. mtx checks a load's drive before its
// slot, an unload's drive before its slot, and a transfer's source first.
func (m *model) move(from, to changer.Address) error {
	fs, fromSlot := mtx.SlotNumber(from)
	fd, fromDrive := mtx.DriveNumber(from)
	ts, toSlot := mtx.SlotNumber(to)
	td, toDrive := mtx.DriveNumber(to)
	slotOK := func(n int) bool { return n >= 1 && n <= len(m.slots) }
	driveOK := func(n int) bool { return n < len(m.drives) }
	switch {
	case fromSlot && toDrive:
		switch {
		case !slotOK(fs) || !driveOK(td):
			return changer.ErrInvalidElement
		case m.drives[td] != "":
			return changer.ErrDestinationFull
		case m.slots[fs-1] == "":
			return changer.ErrSourceEmpty
		}
		m.drives[td], m.slots[fs-1], m.source[td] = m.slots[fs-1], "", fs
	case fromDrive && toSlot:
		switch {
		case !slotOK(ts) || !driveOK(fd):
			return changer.ErrInvalidElement
		case m.drives[fd] == "":
			return changer.ErrSourceEmpty
		case m.slots[ts-1] != "":
			return changer.ErrDestinationFull
		}
		m.slots[ts-1], m.drives[fd], m.source[fd] = m.drives[fd], "", 0
	case fromSlot && toSlot:
		switch {
		case !slotOK(fs) || !slotOK(ts):
			return changer.ErrInvalidElement
		case m.slots[fs-1] == "":
			return changer.ErrSourceEmpty
		case m.slots[ts-1] != "":
			return changer.ErrDestinationFull
		}
		m.slots[ts-1], m.slots[fs-1] = m.slots[fs-1], ""
	default:
		return changer.ErrInvalidElement
	}
	return nil
}

func (m *model) fake() *fakeLib {
	l := &fakeLib{IE: m.ie}
	for _, tag := range m.slots {
		l.Slots = append(l.Slots, fakeElem{Full: tag != "", Tag: tag})
	}
	for i, tag := range m.drives {
		l.Drives = append(l.Drives, fakeElem{Full: tag != "", Tag: tag, Source: m.source[i]})
	}
	return l
}

func (m *model) inventory() changer.Inventory {
	var inv changer.Inventory
	for i, tag := range m.slots {
		typ := changer.Storage
		if i >= len(m.slots)-m.ie {
			typ = changer.ImportExport
		}
		inv = append(inv, el(typ, mtx.SlotAddress(i+1), tag))
	}
	for i, tag := range m.drives {
		e := el(changer.DataTransfer, mtx.DriveAddress(i), tag)
		if tag != "" {
			e.Source, e.SourceValid = mtx.SlotAddress(m.source[i]), true
		}
		inv = append(inv, e)
	}
	return inv
}

// TestDriverModel runs random moves through the driver and the fake mtx
// and checks them against the model: the same errors, the same library
// after every step, the same inventory, and never a cartridge lost or
// duplicated.
func TestDriverModel(t *testing.T) {
	root := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		nSlots := rapid.IntRange(1, 6).Draw(rt, "slots")
		m := &model{
			slots:  make([]string, nSlots),
			ie:     rapid.IntRange(0, nSlots).Draw(rt, "ie"),
			drives: make([]string, rapid.IntRange(1, 3).Draw(rt, "drives")),
		}
		m.source = make([]int, len(m.drives))
		lib := &fakeLib{IE: m.ie, Drives: make([]fakeElem, len(m.drives))}
		carts := 0
		for i := range m.slots {
			if rapid.Bool().Draw(rt, fmt.Sprintf("full%d", i+1)) {
				m.slots[i] = fmt.Sprintf("T%05dL9", i)
				carts++
			}
			lib.Slots = append(lib.Slots, fakeElem{Full: m.slots[i] != "", Tag: m.slots[i]})
		}
		dir, err := os.MkdirTemp(root, "lib")
		if err != nil {
			rt.Fatal(err)
		}
		c, state := newFakeIn(rt, dir, lib, nil)
		defer c.Close()
		ctx := context.Background()

		// One address beyond each range, so invalid moves are drawn too.
		addr := rapid.OneOf(
			rapid.Custom(func(t *rapid.T) changer.Address {
				return mtx.SlotAddress(rapid.IntRange(1, nSlots+1).Draw(t, "slot"))
			}),
			rapid.Custom(func(t *rapid.T) changer.Address {
				return mtx.DriveAddress(rapid.IntRange(0, len(m.drives)).Draw(t, "drive"))
			}),
		)
		steps := rapid.IntRange(1, 10).Draw(rt, "steps")
		for range steps {
			from, to := addr.Draw(rt, "from"), addr.Draw(rt, "to")
			if rapid.IntRange(0, 4).Draw(rt, "unitAttention") == 0 {
				// Retried away by the driver: no effect on the outcome.
				editFake(rt, state, func(l *fakeLib) { l.MoveUnitAttention = 1 })
			}
			want := m.move(from, to)
			got := c.Move(ctx, from, to)
			if (want == nil) != (got == nil) || !errors.Is(got, want) {
				rt.Fatalf("Move(%d, %d) = %v, want %v", from, to, got, want)
			}
			// The library's own state after every step: cheap, no mtx run.
			if diff := cmp.Diff(m.fake(), readFake(rt, state), cmpopts.IgnoreFields(fakeLib{}, "Commands", "MoveUnitAttention")); diff != "" {
				rt.Fatalf("after Move(%d, %d) (-model +library):\n%s", from, to, diff)
			}
		}
		// What the driver reports, once per run: each mtx run costs a
		// process start, and under -race a slow one.
		inv, err := c.Inventory(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		if diff := cmp.Diff(m.inventory(), inv); diff != "" {
			rt.Fatalf("inventory (-model +driver):\n%s", diff)
		}
		seen := map[string]bool{}
		for _, e := range inv {
			if e.Full {
				if seen[e.Barcode] {
					rt.Fatalf("cartridge %s twice", e.Barcode)
				}
				seen[e.Barcode] = true
			}
		}
		if len(seen) != carts {
			rt.Fatalf("%d cartridges, started with %d", len(seen), carts)
		}
	})
}
