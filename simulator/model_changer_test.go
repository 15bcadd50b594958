package simulator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator"
)

// TestChangerModel moves cartridges at random, including moves that must
// fail, and checks the inventory against a map of element → barcode after
// every step: every cartridge is in exactly one place, a failed move
// changes nothing, and drives report where their cartridge came from.
func TestChangerModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		dir := rapid.Bool().Draw(rt, "directory")
		path := t.TempDir()
		open := func() *simulator.Library {
			var l *simulator.Library
			var err error
			if dir {
				l, err = simulator.Open(path, testConfig(), nil)
			} else {
				l, err = simulator.New(testConfig(), nil)
			}
			if err != nil {
				rt.Fatal(err)
			}
			return l
		}
		l := open()
		defer func() { l.Close() }()

		inv, err := l.Changer().Inventory(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		model := map[changer.Address]string{}
		source := map[changer.Address]changer.Address{} // drive → slot
		var addrs []changer.Address
		kind := map[changer.Address]changer.ElementType{}
		for _, e := range inv {
			if e.Type == changer.Transport {
				continue
			}
			addrs = append(addrs, e.Address)
			kind[e.Address] = e.Type
			if e.Full {
				model[e.Address] = e.Barcode
			}
		}
		robotFailed := false

		rt.Repeat(map[string]func(*rapid.T){
			"": func(rt *rapid.T) {
				inv, err := l.Changer().Inventory(ctx)
				if err != nil {
					rt.Fatal(err)
				}
				got := map[changer.Address]string{}
				seen := map[string]int{}
				for _, e := range inv {
					if e.Full {
						got[e.Address] = e.Barcode
						seen[e.Barcode]++
					}
					if e.Type == changer.DataTransfer && e.Full {
						if !e.SourceValid || e.Source != source[e.Address] {
							rt.Fatalf("drive %d source %d/%v, want %d", e.Address, e.Source, e.SourceValid, source[e.Address])
						}
					}
				}
				if d := cmp.Diff(model, got); d != "" {
					rt.Fatalf("inventory differs from the model (-model +got):\n%s", d)
				}
				for bc, n := range seen {
					if n != 1 {
						rt.Fatalf("cartridge %s in %d places", bc, n)
					}
				}
			},
			"move": func(rt *rapid.T) {
				from := rapid.SampledFrom(addrs).Draw(rt, "from")
				to := rapid.SampledFrom(append(addrs, 9999)).Draw(rt, "to")
				err := l.Changer().Move(ctx, from, to)
				want := expectMove(model, kind, from, to, robotFailed)
				if want == nil && err == nil {
					bc := model[from]
					delete(model, from)
					model[to] = bc
					if kind[to] == changer.DataTransfer {
						if kind[from] == changer.DataTransfer {
							source[to] = source[from]
						} else {
							source[to] = from
						}
					}
					return
				}
				if want == nil || !errors.Is(err, want) {
					rt.Fatalf("move %d → %d: got %v, want %v", from, to, err, want)
				}
			},
			"robot": func(rt *rapid.T) {
				robotFailed = rapid.Bool().Draw(rt, "failed")
				if err := l.FailRobot(robotFailed); err != nil {
					rt.Fatal(err)
				}
			},
			"restart": func(rt *rapid.T) {
				if !dir {
					rt.Skip("in-memory library")
				}
				if err := l.Close(); err != nil {
					rt.Fatal(err)
				}
				l = open()
			},
		})
	})
}

// expectMove is the model's verdict on a move: nil, or the sentinel the
// changer must return.
func expectMove(model map[changer.Address]string, kind map[changer.Address]changer.ElementType, from, to changer.Address, robotFailed bool) error {
	switch {
	case kind[to] == 0 || from == to:
		return changer.ErrInvalidElement
	case robotFailed:
		return changer.ErrRobotFailure
	case model[from] == "":
		return changer.ErrSourceEmpty
	case model[to] != "":
		return changer.ErrDestinationFull
	case kind[to] == changer.DataTransfer && model[from] == "OLD001L5":
		return changer.ErrIncompatibleMedium
	}
	return nil
}
