package mtx_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
)

// tb is what the helpers need of *testing.T and *rapid.T alike.
type tb interface {
	Helper()
	Fatal(args ...any)
}

// newFake writes lib to a state file and returns a Changer that runs this
// test binary as its mtx, with that file as the device.
func newFake(t testing.TB, lib *fakeLib, opts *mtx.Options) (*mtx.Changer, string) {
	t.Helper()
	c, state := newFakeIn(t, t.TempDir(), lib, opts)
	t.Cleanup(func() { c.Close() })
	return c, state
}

func newFakeIn(t tb, dir string, lib *fakeLib, opts *mtx.Options) (*mtx.Changer, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "library.json")
	if err := lib.save(state); err != nil {
		t.Fatal(err)
	}
	o := mtx.Options{RetryDelay: time.Millisecond}
	if opts != nil {
		o = *opts
	}
	o.Path = exe
	c, err := mtx.New(state, &o)
	if err != nil {
		t.Fatal(err)
	}
	return c, state
}

func readFake(t tb, state string) *fakeLib {
	t.Helper()
	l, err := loadFake(state)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func editFake(t tb, state string, f func(*fakeLib)) {
	t.Helper()
	l := readFake(t, state)
	f(l)
	if err := l.save(state); err != nil {
		t.Fatal(err)
	}
}

// smallLib: 2 drives, 4 storage slots and 2 I/E ports (mtx slots 5 and 6).
func smallLib() *fakeLib {
	return &fakeLib{
		Drives: []fakeElem{{Full: true, Tag: "AAA000L9", Source: 2}, {}},
		Slots:  []fakeElem{{Full: true, Tag: "AAA001L9"}, {}, {Full: true, Tag: "AAA003L9"}, {}, {Full: true, Tag: "AAA005L9"}, {}},
		IE:     2,
	}
}

func el(t changer.ElementType, a changer.Address, barcode string) changer.Element {
	return changer.Element{Type: t, Address: a, Full: barcode != "", Barcode: barcode, Accessible: true}
}

func TestDriverInventory(t *testing.T) {
	c, _ := newFake(t, smallLib(), nil)
	got, err := c.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d0 := el(changer.DataTransfer, mtx.DriveAddress(0), "AAA000L9")
	d0.Source, d0.SourceValid = 2, true
	want := changer.Inventory{
		el(changer.Storage, 1, "AAA001L9"),
		el(changer.Storage, 2, ""),
		el(changer.Storage, 3, "AAA003L9"),
		el(changer.Storage, 4, ""),
		el(changer.ImportExport, 5, "AAA005L9"),
		el(changer.ImportExport, 6, ""),
		d0,
		el(changer.DataTransfer, mtx.DriveAddress(1), ""),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Inventory (-want +got):\n%s", diff)
	}
}

func TestDriverMoves(t *testing.T) {
	ctx := context.Background()
	c, state := newFake(t, smallLib(), nil)
	steps := []struct {
		name     string
		from, to changer.Address
		want     error
	}{
		{"load", 1, mtx.DriveAddress(1), nil},
		{"load into full drive", 3, mtx.DriveAddress(1), changer.ErrDestinationFull},
		{"load from empty slot", 2, mtx.DriveAddress(1), changer.ErrDestinationFull},
		{"unload to its source", mtx.DriveAddress(0), 2, nil},
		{"unload empty drive", mtx.DriveAddress(0), 4, changer.ErrSourceEmpty},
		{"load from empty slot", 4, mtx.DriveAddress(0), changer.ErrSourceEmpty},
		{"unload into full slot", mtx.DriveAddress(1), 3, changer.ErrDestinationFull},
		{"transfer to I/E", 3, 6, nil},
		{"transfer from empty", 3, 4, changer.ErrSourceEmpty},
		{"transfer to full", 2, 5, changer.ErrDestinationFull},
		{"transfer onto itself", 2, 2, changer.ErrDestinationFull},
		{"import from I/E", 5, 3, nil},
		{"slot beyond library", 7, 4, changer.ErrInvalidElement},
		{"load from slot beyond library", 9, mtx.DriveAddress(0), changer.ErrInvalidElement},
		{"drive beyond library", 2, mtx.DriveAddress(2), changer.ErrInvalidElement},
		{"address 0", 0, 4, changer.ErrInvalidElement},
		{"drive to drive", mtx.DriveAddress(1), mtx.DriveAddress(0), changer.ErrInvalidElement},
		{"unload", mtx.DriveAddress(1), 1, nil},
	}
	for _, s := range steps {
		err := c.Move(ctx, s.from, s.to)
		if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
			t.Fatalf("%s: Move(%d, %d) = %v, want %v", s.name, s.from, s.to, err, s.want)
		}
		if err != nil {
			var me *changer.MoveError
			if !errors.As(err, &me) || me.From != s.from || me.To != s.to {
				t.Errorf("%s: %v is not a *changer.MoveError for %d → %d", s.name, err, s.from, s.to)
			}
		}
	}
	got := readFake(t, state)
	want := &fakeLib{
		Drives:   []fakeElem{{}, {}},
		Slots:    []fakeElem{{Full: true, Tag: "AAA001L9"}, {Full: true, Tag: "AAA000L9"}, {Full: true, Tag: "AAA005L9"}, {}, {}, {Full: true, Tag: "AAA003L9"}},
		IE:       2,
		Commands: got.Commands,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("library after moves (-want +got):\n%s", diff)
	}
}

func TestDriverDriveToDriveIsUnsupported(t *testing.T) {
	c, state := newFake(t, smallLib(), nil)
	err := c.Move(context.Background(), mtx.DriveAddress(0), mtx.DriveAddress(1))
	if !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, changer.ErrInvalidElement) {
		t.Fatalf("Move(drive, drive) = %v, want ErrUnsupported and ErrInvalidElement", err)
	}
	if n := readFake(t, state).Commands; n != 0 {
		t.Errorf("mtx ran %d times for an impossible move", n)
	}
}

func TestDriverMoveErrorKeepsSense(t *testing.T) {
	lib := smallLib()
	lib.RobotFailure = 1
	c, state := newFake(t, lib, nil)
	err := c.Move(context.Background(), 1, mtx.DriveAddress(1))
	var me *mtx.Error
	if !errors.Is(err, changer.ErrRobotFailure) || !errors.As(err, &me) {
		t.Fatalf("Move = %v, want an *mtx.Error wrapping ErrRobotFailure", err)
	}
	want := &mtx.Error{Op: "load", Message: "MOVE MEDIUM from Element Address 1000 to 501 Failed",
		HasSense: true, SenseKey: 4, ASC: 0x15, ASCQ: 0x01, ExitCode: 1, Err: changer.ErrRobotFailure}
	if diff := cmp.Diff(*want, *me, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	got := readFake(t, state)
	if got.Commands != 1 {
		t.Errorf("robot failure ran mtx %d times; it must not be retried", got.Commands)
	}
	if !got.Slots[0].Full || got.Drives[1].Full {
		t.Errorf("failed move changed the library: %+v", got)
	}
}

func TestDriverRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("unit attention on move", func(t *testing.T) {
		lib := smallLib()
		lib.MoveUnitAttention = 2
		c, state := newFake(t, lib, nil)
		if err := c.Move(ctx, 1, mtx.DriveAddress(1)); err != nil {
			t.Fatal(err)
		}
		if n := readFake(t, state).Commands; n != 3 {
			t.Errorf("mtx ran %d times, want 3", n)
		}
	})
	t.Run("not ready beyond the retries", func(t *testing.T) {
		lib := smallLib()
		lib.NotReady = 5
		c, state := newFake(t, lib, &mtx.Options{Retries: 1, RetryDelay: time.Millisecond})
		_, err := c.Inventory(ctx)
		if !errors.Is(err, changer.ErrNotReady) {
			t.Fatalf("Inventory = %v, want ErrNotReady", err)
		}
		if n := readFake(t, state).Commands; n != 2 {
			t.Errorf("mtx ran %d times, want 2", n)
		}
	})
	t.Run("no retries", func(t *testing.T) {
		lib := smallLib()
		lib.MoveUnitAttention = 1
		c, _ := newFake(t, lib, &mtx.Options{Retries: -1})
		err := c.Move(ctx, 1, mtx.DriveAddress(1))
		if !errors.Is(err, mtx.ErrUnitAttention) {
			t.Fatalf("Move = %v, want ErrUnitAttention", err)
		}
	})
	t.Run("sense noise before a good status", func(t *testing.T) {
		lib := smallLib()
		lib.UnitAttention = 1
		c, _ := newFake(t, lib, nil)
		inv, err := c.Inventory(ctx)
		if err != nil || len(inv) != 8 {
			t.Fatalf("Inventory = %d elements, %v", len(inv), err)
		}
	})
}

func TestDriverContext(t *testing.T) {
	c, _ := newFake(t, smallLib(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Inventory(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Inventory(cancelled) = %v, want context.Canceled", err)
	}
	c2, _ := newFake(t, smallLib(), &mtx.Options{Timeout: time.Nanosecond})
	if err := c2.Move(context.Background(), 1, mtx.DriveAddress(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Move with a timeout = %v, want context.DeadlineExceeded", err)
	}
}

// TestDriverKill: when ctx ends while mtx runs, mtx is killed and Move
// returns promptly with the context's error.
func TestDriverKill(t *testing.T) {
	lib := smallLib()
	lib.SleepMS = 60_000
	c, state := newFake(t, lib, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Move(ctx, 1, mtx.DriveAddress(1))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Move = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Move returned after %v; mtx was not killed", d)
	}
	if got := readFake(t, state); got.Commands != 1 || !got.Slots[0].Full || got.Drives[1].Full {
		t.Errorf("library after a killed move: %+v", got)
	}
}

func TestDriverExchange(t *testing.T) {
	ctx := context.Background()
	tags := func(l *fakeLib) []string {
		var out []string
		for _, s := range l.Slots {
			out = append(out, s.Tag)
		}
		return out
	}
	t.Run("swap and rotate", func(t *testing.T) {
		c, state := newFake(t, smallLib(), nil)
		// Slots: 1 AAA001L9, 3 AAA003L9, 5 AAA005L9.
		if err := c.Exchange(ctx, 1, 3, 1); err != nil {
			t.Fatal(err)
		}
		if err := c.Exchange(ctx, 1, 5, 2); err != nil {
			t.Fatal(err)
		}
		want := []string{"", "AAA005L9", "AAA001L9", "", "AAA003L9", ""}
		if diff := cmp.Diff(want, tags(readFake(t, state))); diff != "" {
			t.Errorf("slots (-want +got):\n%s", diff)
		}
	})
	for _, tt := range []struct {
		name            string
		lib             func(*fakeLib)
		src, dst1, dst2 changer.Address
		want            []error
	}{
		{"empty source", nil, 2, 3, 2, []error{changer.ErrSourceEmpty}},
		{"second destination full", nil, 1, 3, 5, []error{changer.ErrDestinationFull}},
		{"second destination beyond library", nil, 1, 3, 7, []error{changer.ErrInvalidElement}},
		{"drive", nil, 1, mtx.DriveAddress(0), 1, []error{changer.ErrInvalidElement, errors.ErrUnsupported}},
		{"library without EXCHANGE MEDIUM", func(l *fakeLib) { l.NoExchange = true }, 1, 3, 1, []error{errors.ErrUnsupported}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lib := smallLib()
			if tt.lib != nil {
				tt.lib(lib)
			}
			c, state := newFake(t, lib, nil)
			err := c.Exchange(ctx, tt.src, tt.dst1, tt.dst2)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("Exchange = %v, want %v", err, w)
				}
			}
			if diff := cmp.Diff(tags(smallLib()), tags(readFake(t, state))); diff != "" {
				t.Errorf("failed exchange moved cartridges (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDriverClosed(t *testing.T) {
	c, _ := newFake(t, smallLib(), nil)
	c.Close()
	if _, err := c.Inventory(context.Background()); !errors.Is(err, changer.ErrClosed) {
		t.Errorf("Inventory after Close = %v", err)
	}
	if err := c.Move(context.Background(), 1, 2); !errors.Is(err, changer.ErrClosed) {
		t.Errorf("Move after Close = %v", err)
	}
}

func TestDriverReinventory(t *testing.T) {
	c, state := newFake(t, smallLib(), nil)
	if err := c.Reinventory(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := readFake(t, state).Commands; n != 1 {
		t.Errorf("mtx ran %d times, want 1", n)
	}
}

func TestNewWithoutMTX(t *testing.T) {
	if _, err := mtx.New("/dev/sg0", &mtx.Options{Path: filepath.Join(t.TempDir(), "no-such-mtx")}); err == nil {
		t.Error("New with a missing mtx succeeded")
	}
	if _, err := mtx.New("", nil); err == nil {
		t.Error("New without a device succeeded")
	}
}

// TestDriverSerialises runs moves from many goroutines. The fake keeps its
// state in a file it reads and rewrites, so two mtx runs at once would lose
// a move; the driver must run them one at a time.
func TestDriverSerialises(t *testing.T) {
	lib := &fakeLib{Drives: []fakeElem{{}}}
	const pairs = 6
	for i := range pairs {
		lib.Slots = append(lib.Slots, fakeElem{Full: true, Tag: fmt.Sprintf("C%05dL9", i)}, fakeElem{})
	}
	c, state := newFake(t, lib, nil)
	var wg sync.WaitGroup
	for i := range pairs {
		wg.Go(func() {
			from, to := changer.Address(2*i+1), changer.Address(2*i+2)
			if err := c.Move(context.Background(), from, to); err != nil {
				t.Errorf("Move(%d, %d): %v", from, to, err)
			}
		})
	}
	wg.Wait()
	got := readFake(t, state)
	for i := range pairs {
		if got.Slots[2*i].Full || got.Slots[2*i+1].Tag != fmt.Sprintf("C%05dL9", i) {
			t.Errorf("pair %d: %+v, %+v", i, got.Slots[2*i], got.Slots[2*i+1])
		}
	}
}
