package simulator

import (
	"math"
	"time"
)

// geometry turns a byte offset on a cartridge into a physical head position
// on serpentine tape, and prices the moves between positions.
//
// Data is laid down wrap after wrap: wrap 0 runs from the beginning of tape
// to the end, wrap 1 back, and so on; wraps are grouped in bands. A locate is
// priced with the published LTO locate model (a fixed part, penalties for a
// change of wrap, band or direction and for stepping back, and a part linear
// in the longitudinal distance); the speed of the linear part is calibrated
// per media type so that random locates average the vendor's figure.
type geometry struct {
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

func newGeometry(m *MediaType) *geometry {
	g := &geometry{m: m, bytesPerWrap: float64(m.Capacity) / float64(m.Wraps)}
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

// place is a physical head position.
type place struct {
	wrap int
	x    float64 // metres from the beginning of tape
}

func (g *geometry) place(off int64) place {
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

// locate prices a move from byte offset from to byte offset to. A short
// forward move on the same wrap reads through instead, when that is cheaper.
func (g *geometry) locate(from, to int64) time.Duration {
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
		if through := g.stream(to - from); through < d {
			return through
		}
	}
	return d
}

// rewind prices a rewind from byte offset off to the beginning of tape.
func (g *geometry) rewind(off int64) time.Duration {
	if off == 0 {
		return 0
	}
	p := g.place(off)
	return seconds(rewindBase + p.x/g.rewindSpeed)
}

// stream prices moving n bytes at the native rate.
func (g *geometry) stream(n int64) time.Duration {
	return time.Duration(float64(n) / float64(g.m.Rate) * float64(time.Second))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
