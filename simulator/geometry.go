package simulator

import (
	"context"
	"fmt"
	"math"
	"time"
)

// CostModel is the simulator's own timing of one media type: what it
// charges for a locate, a load, an unload, a rewind and for streaming data,
// and where on the tape a byte lies. It is public so that planners and
// schedulers work with exactly what the simulator charges, and benchmarks
// compute lower bounds from it: a drive charges what these methods return,
// no more and no less.
//
// Positions are byte offsets along the tape, counting every block and
// filemark (Library.TapeOffset gives the offset of a logical block of a
// cartridge).
//
// Data is laid down wrap after wrap: wrap 0 runs from the beginning of tape
// to the end, wrap 1 back, and so on; wraps are grouped in bands. A locate is
// priced with the published LTO locate model (a fixed part, penalties for a
// change of wrap, band or direction and for stepping back, and a part linear
// in the longitudinal distance); the speed of the linear part is calibrated
// per media type so that random locates average the vendor's figure.
type CostModel struct {
	m            *MediaType
	bytesPerWrap float64
	wrapsPerBand int
	searchSpeed  float64 // metres per second
	rewindSpeed  float64
}

const (
	locateBase      = 4.29
	locateWrap      = 6.69
	locateBand      = 3.2
	locateDirection = 5.22
	locateStepBack  = 11.32
	rewindBase      = 2.0
)

// NewCostModel returns the cost model of media type m.
func NewCostModel(m *MediaType) *CostModel {
	g := &CostModel{m: m, bytesPerWrap: float64(m.Capacity) / float64(m.Wraps)}
	g.wrapsPerBand = m.Wraps / m.Bands
	if g.wrapsPerBand < 1 {
		g.wrapsPerBand = 1
	}
	// Expected value of the fixed terms for two uniformly random positions.
	w := float64(m.Wraps)
	fixed := locateBase + locateWrap*(1-1/w) + locateBand*(1-1/float64(m.Bands)) + locateDirection*0.5 + locateStepBack*0.25
	travel := m.AvgLocate.Seconds() - fixed
	if travel < 1 {
		travel = 1
	}
	g.searchSpeed = m.Length / 3 / travel
	rw := m.AvgRewind.Seconds() - rewindBase
	if rw < 1 {
		rw = 1
	}
	g.rewindSpeed = m.Length / 2 / rw
	return g
}

// Place is a physical head position on serpentine tape.
type Place struct {
	Wrap int // 0-based; wrap 0 runs from the beginning of tape to the end
	Band int // 0-based data band holding the wrap
	// Forward is the wrap's direction: true away from the beginning of
	// tape (even wraps), false back towards it.
	Forward bool
	// Metres is the longitudinal distance from the beginning of the data
	// area; LPOS the same in LTO longitudinal position units, which run
	// from LPOSStart at the beginning of the data area to LPOSEnd at its
	// end.
	Metres float64
	LPOS   int64
}

// The LPOS range of the data area, as on LTO media (about 2,700 to
// 171,000 along some 1,000 m of tape).
const (
	LPOSStart = 2700
	LPOSEnd   = 171000
)

// Place returns where byte offset off lies.
func (g *CostModel) Place(off int64) Place {
	p := g.place(off)
	return Place{Wrap: p.wrap, Band: p.wrap / g.wrapsPerBand, Forward: p.wrap%2 == 0, Metres: p.x,
		LPOS: LPOSStart + int64(math.Round(p.x/g.m.Length*(LPOSEnd-LPOSStart)))}
}

// place is a physical head position.
type place struct {
	wrap int
	x    float64 // metres from the beginning of tape
}

func (g *CostModel) place(off int64) place {
	w := int(float64(off) / g.bytesPerWrap)
	if w >= g.m.Wraps {
		w = g.m.Wraps - 1
	}
	if w < 0 {
		w = 0
	}
	frac := (float64(off) - float64(w)*g.bytesPerWrap) / g.bytesPerWrap
	frac = math.Min(math.Max(frac, 0), 1)
	x := frac * g.m.Length
	if w%2 == 1 {
		x = g.m.Length - x
	}
	return place{wrap: w, x: x}
}

// Locate is the time of a locate from byte offset from to byte offset to.
// A short forward move on the same wrap reads through instead, when that
// is cheaper.
func (g *CostModel) Locate(from, to int64) time.Duration {
	if from == to {
		return 0
	}
	a, b := g.place(from), g.place(to)
	s := locateBase + math.Abs(a.x-b.x)/g.searchSpeed
	if a.wrap != b.wrap {
		s += locateWrap
	}
	if a.wrap/g.wrapsPerBand != b.wrap/g.wrapsPerBand {
		s += locateBand
	}
	if a.wrap%2 != b.wrap%2 {
		s += locateDirection
	}
	if a.wrap == b.wrap && to < from {
		s += locateStepBack
	}
	d := seconds(s)
	if a.wrap == b.wrap && to > from {
		if through := g.Read(to - from); through < d {
			return through
		}
	}
	return d
}

// Rewind is the time of a rewind from byte offset off to the beginning of
// tape.
func (g *CostModel) Rewind(off int64) time.Duration {
	if off == 0 {
		return 0
	}
	p := g.place(off)
	return seconds(rewindBase + p.x/g.rewindSpeed)
}

// Load is the time of threading a cartridge after the robot put it in the
// drive.
func (g *CostModel) Load() time.Duration { return g.m.Load }

// Media returns the media type the model is of.
func (g *CostModel) Media() *MediaType { return g.m }

// Unload is the time of ejecting a cartridge at the beginning of tape; an
// unload from offset off costs Rewind(off) + Unload().
func (g *CostModel) Unload() time.Duration { return g.m.Unload }

// Read is the time of reading (or writing) one block of n bytes at the
// native rate; reading k such blocks costs k times as much.
func (g *CostModel) Read(n int64) time.Duration {
	return time.Duration(float64(n) / float64(g.m.Rate) * float64(time.Second))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// TapeOffset returns the byte offset along the tape of logical object
// block (counting blocks and filemarks from 0) on the cartridge barcode:
// the position the CostModel prices. At or past end of data it is the
// offset of end of data.
func (l *Library) TapeOffset(barcode string, block int64) (int64, error) {
	l.mu.Lock()
	c := l.carts[barcode]
	var d *driveState
	for _, e := range l.elems {
		if c != nil && e.cart == c && e.drive != nil {
			d = e.drive
		}
	}
	l.mu.Unlock()
	if c == nil {
		return 0, fmt.Errorf("%w: %q", ErrNoCartridge, barcode)
	}
	if c.media == nil {
		return 0, fmt.Errorf("%w: %s is a cleaning cartridge", ErrConfig, barcode)
	}
	// A cartridge's content is guarded by the drive it is in, else by the
	// library lock.
	if d != nil {
		ctx := context.Background()
		d.op.Acquire(ctx)
		defer d.op.Release(ctx)
	} else {
		l.mu.Lock()
		defer l.mu.Unlock()
	}
	return c.content.tapeOffset(block), nil
}

// CostModel returns the cost model of the cartridge barcode's media.
func (l *Library) CostModel(barcode string) (*CostModel, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.carts[barcode]
	switch {
	case c == nil:
		return nil, fmt.Errorf("%w: %q", ErrNoCartridge, barcode)
	case c.media == nil:
		return nil, fmt.Errorf("%w: %s is a cleaning cartridge", ErrConfig, barcode)
	}
	return c.geo, nil
}
