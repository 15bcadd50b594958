package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

const (
	gb = int64(1e9)
	mb = int64(1e6)

	// blockSize is the tape block size of every workload: tape/format's
	// default, which is also what the scheduler assumes when it turns a
	// copy's size into the last block of its segment for the orderers.
	blockSize = format.DefaultBlockSize
	// tapeRoom is how much of an LTO-9 cartridge a "full" tape holds,
	// leaving room for the label and the headers.
	tapeRoom = 18000*gb - 20*gb
)

// spec is one workload as its builder defines it: the cartridges and
// their files, the requests and when they arrive, the library's shape.
type spec struct {
	name, desc string
	drives     int
	robots     int
	vols       []workload.Volume
	// blank is how many blank cartridges an archive pool gets (W6).
	blank int
	// reqs are the requests in submission order; a recall names a file
	// of vols by path, an archive is a new file.
	reqs []reqSpec
	// shares are the fair-share weights of the activities (W6).
	shares map[string]float64
	// online: requests arrive over time (W4, W6); the makespan is then
	// mostly the arrival span, and TTFB is what matters.
	online bool
	// layout names the tapes' layout when workloads share one (W4 at
	// both loads): they share one build.
	layout string
	// rebuild: a run changes the tapes and the catalog (W6 archives), so
	// every policy gets a fresh build.
	rebuild bool
}

// archives reports whether the workload writes.
func (s *spec) archives() bool {
	return slices.ContainsFunc(s.reqs, func(r reqSpec) bool { return r.archive })
}

// reqSpec is one request of a workload.
type reqSpec struct {
	path     string
	size     int64
	at       time.Duration // arrival, after the start of the run
	activity string
	archive  bool
}

// workloads are the builders by name, in the order they run. small
// builds a version scaled down for tests: same shape, fewer tapes and
// files.
var workloads = []struct {
	name  string
	build func(small bool) *spec
}{
	{"W1", specW1},
	{"W2", specW2},
	{"W3", specW3},
	{"W4-50", func(small bool) *spec { return specW4(small, 0.5) }},
	{"W4-70", func(small bool) *spec { return specW4(small, 0.7) }},
	{"W5", specW5},
	{"W6", specW6},
}

// scattered lays out a full tape holding the files of sizes want at
// uniformly random positions, the gaps filled with filler files, and
// returns it with the paths of the wanted files in tape order.
func scattered(rng *rand.Rand, barcode, prefix string, want []int64, room int64) (workload.Volume, []string) {
	var total int64
	for _, s := range want {
		total += s
	}
	free := room - total
	// Random gap sizes: sorted uniform cut points of the free space.
	cuts := make([]int64, len(want))
	for i := range cuts {
		cuts[i] = rng.Int64N(free + 1)
	}
	slices.Sort(cuts)
	v := workload.Volume{Barcode: barcode}
	var paths []string
	prev := int64(0)
	seed := rng.Uint64()
	add := func(path string, size int64) {
		seed++
		v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: path, Size: size}, Seed: seed})
	}
	for i, s := range want {
		if gap := cuts[i] - prev; gap > 0 {
			add(fmt.Sprintf("%s/fill%04d", prefix, i), gap)
		}
		prev = cuts[i]
		p := fmt.Sprintf("%s/f%04d", prefix, i)
		add(p, s)
		paths = append(paths, p)
	}
	if gap := free - prev; gap > 0 {
		add(prefix+"/fill-end", gap)
	}
	return v, paths
}

func repeat(size int64, n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = size
	}
	return s
}

// specW1 is W1, scattered: 10,000 files of 1 GB over 500 tapes, 20 on
// each (a dataset written together onto each tape of a busy pool, after
// other data: at a random position of a full tape), 4 drives, all
// requested at once in a random order (a dataset's files listed by name
// lie on many tapes).
func specW1(small bool) *spec {
	tapes, per := 500, 20
	if small {
		tapes, per = 8, 5
	}
	s := &spec{name: "W1", desc: fmt.Sprintf("scattered: %d × 1 GB over %d tapes, %d each, 4 drives", tapes*per, tapes, per), drives: 4, robots: 1}
	rng := rand.New(rand.NewPCG(1, 1))
	s.vols, s.reqs = runs(rng, "SA", "/w1", tapes, per, gb, "")
	return s
}

// specW2 is W2, co-located: the same 10 TB as W1 on 20 tapes, 500 files
// of 1 GB written together on each, 4 drives, requested at once in a
// random order.
func specW2(small bool) *spec {
	tapes, per := 20, 500
	if small {
		tapes, per = 3, 20
	}
	s := &spec{name: "W2", desc: fmt.Sprintf("co-located: %d × 1 GB on %d tapes, 4 drives", tapes*per, tapes), drives: 4, robots: 1}
	rng := rand.New(rand.NewPCG(2, 2))
	s.vols, s.reqs = runs(rng, "SB", "/w2", tapes, per, gb, "")
	return s
}

// runs lays out tapes full tapes, each holding per consecutive files of
// size after filler of a random size, and returns them with requests for
// those files in a random order. A non-empty activity alternates tapes
// between the two W6 tenants.
func runs(rng *rand.Rand, prefix, dir string, tapes, per int, size int64, activity string) ([]workload.Volume, []reqSpec) {
	var vols []workload.Volume
	var reqs []reqSpec
	for i := range tapes {
		tenant := ""
		if activity != "" {
			tenant = []string{tenantA, tenantB}[i%2]
		}
		d := fmt.Sprintf("%s/t%04d", dir, i)
		if tenant != "" {
			d = fmt.Sprintf("%s/%s/t%04d", dir, tenant, i)
		}
		v := workload.Volume{Barcode: fmt.Sprintf("%s%04dL9", prefix, i)}
		run := int64(per) * size
		before := rng.Int64N(tapeRoom - run)
		v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: d + "/fill-before", Size: before}, Seed: rng.Uint64()})
		for j := range per {
			p := fmt.Sprintf("%s/f%04d", d, j)
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: p, Size: size}, Seed: rng.Uint64()})
			reqs = append(reqs, reqSpec{path: p, size: size, activity: tenant})
		}
		if after := tapeRoom - before - run; after > 0 {
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: d + "/fill-after", Size: after}, Seed: rng.Uint64()})
		}
		vols = append(vols, v)
	}
	rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	return vols, reqs
}

// specW3 is W3, one tape: 1,000 files of 100 MB at random positions on
// one full LTO-9, one drive, requested at once in a random order: the
// order of reads within the mount is all that differs.
func specW3(small bool) *spec {
	n := 1000
	if small {
		n = 40
	}
	rng := rand.New(rand.NewPCG(3, 3))
	s := &spec{name: "W3", desc: fmt.Sprintf("one tape: %d × 100 MB at random positions, 1 drive", n), drives: 1, robots: 1}
	v, paths := scattered(rng, "SC0000L9", "/w3", repeat(100*mb, n), tapeRoom)
	s.vols = append(s.vols, v)
	rng.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	for _, p := range paths {
		s.reqs = append(s.reqs, reqSpec{path: p, size: 100 * mb})
	}
	return s
}

// w4Service is the mean service time of one single-file recall of W4 by
// the simulator's cost model, which defines the offered load: a robot
// move in, a load, an average locate, the read, an average rewind, the
// unload and a robot move out.
func w4Service(size int64) time.Duration {
	m := simulator.LTO9
	g := simulator.NewCostModel(m)
	return 2*robotMove + g.Load() + m.AvgLocate + g.Read(size) + m.AvgRewind + g.Unload()
}

// robotMove is the simulator's default robot move time (Config.RobotMove 0).
const robotMove = 12 * time.Second

// specW4 is W4, online: Poisson arrivals of single-file recalls of 4 GB,
// each of a random file of 5,000 tapes (each tape holds two such files
// at random positions), 8 drives, at an offered load: arrival rate =
// load × drives / mean service time (w4Service). 2,000 requests give a
// p99 from the 20 slowest, some 18 hours of library time at 70 %.
func specW4(small bool, load float64) *spec {
	tapes, per, n := 5000, 2, 2000
	if small {
		tapes, per, n = 40, 2, 40
	}
	const size = 4 * gb
	rng := rand.New(rand.NewPCG(4, 4))
	name := fmt.Sprintf("W4-%.0f", load*100)
	s := &spec{name: name, drives: 8, robots: 2, online: true, layout: "W4"}
	var paths []string
	for i := range tapes {
		v, p := scattered(rng, fmt.Sprintf("SD%04dL9", i), fmt.Sprintf("/w4/t%04d", i), repeat(size, per), tapeRoom)
		s.vols = append(s.vols, v)
		paths = append(paths, p...)
	}
	rng.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	svc := w4Service(size)
	rate := load * float64(s.drives) / svc.Seconds() // per second
	s.desc = fmt.Sprintf("online: %d Poisson recalls of 4 GB over %d tapes, 8 drives, %.0f %% load (service %.0f s, mean gap %.1f s)",
		n, tapes, load*100, svc.Seconds(), 1/rate)
	var at float64
	for _, p := range paths[:n] {
		at += rng.ExpFloat64() / rate
		s.reqs = append(s.reqs, reqSpec{path: p, size: size, at: time.Duration(at * float64(time.Second))})
	}
	return s
}

// specW5 is W5, streaming: every file of 100 full LTO-9 tapes (100 files
// of 179.8 GB on each: the issue gives no file count, and 10,000 requests
// are W1's), 10 drives, requested at once in tape order.
func specW5(small bool) *spec {
	tapes, per := 100, 100
	if small {
		tapes, per = 12, 17
	}
	size := tapeRoom / int64(per) / gb * gb
	rng := rand.New(rand.NewPCG(5, 5))
	s := &spec{name: "W5", desc: fmt.Sprintf("streaming: %d full tapes (%d × %.1f GB each), 10 drives", tapes, per, float64(size)/1e9), drives: 10, robots: 3}
	for i := range tapes {
		prefix := fmt.Sprintf("/w5/t%04d", i)
		v := workload.Volume{Barcode: fmt.Sprintf("SE%04dL9", i)}
		for j := range per {
			p := fmt.Sprintf("%s/f%04d", prefix, j)
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: p, Size: size}, Seed: rng.Uint64()})
			s.reqs = append(s.reqs, reqSpec{path: p, size: size})
		}
		s.vols = append(s.vols, v)
	}
	return s
}

// W6's tenants and their weights.
const (
	tenantA, tenantB = "physics", "biology"
	weightA, weightB = 3, 1
)

// specW6 is W6, mixed: W1-style recalls for two tenants with weights 3:1
// (4,000 files of 1 GB, 20 on each of 200 tapes, the tapes alternating
// between the tenants, all requested at once), while archives of 2,000
// small (256 KiB) and 100 large (8 MiB) files of both tenants (three in
// four for the first) arrive over the first three hours, 4 drives, 4
// blank tapes for the archive pool. The archives are small in bytes
// because the simulator keeps written data in memory and they go through
// the byte path; the recalls keep every drive busy, which is what the
// shares measure.
func specW6(small bool) *spec {
	tapes, per, small1, large := 200, 20, 2000, 100
	if small {
		tapes, per, small1, large = 4, 5, 40, 4
	}
	rng := rand.New(rand.NewPCG(6, 6))
	s := &spec{name: "W6", drives: 4, robots: 1, blank: 4, online: true, rebuild: true,
		shares: map[string]float64{tenantA: weightA, tenantB: weightB}}
	s.vols, s.reqs = runs(rng, "SF", "/w6", tapes, per, gb, "yes")
	// Archives: Poisson over the first hours (a mean gap of 5 s).
	var at float64
	for i := range small1 + large {
		at += rng.ExpFloat64() * 5
		size, tenant := int64(256<<10), tenantA
		if i%((small1+large)/large) == 0 {
			size = 8 << 20
		}
		if rng.IntN(4) == 0 {
			tenant = tenantB
		}
		s.reqs = append(s.reqs, reqSpec{path: fmt.Sprintf("/w6/%s/new/a%05d", tenant, i), size: size, activity: tenant,
			archive: true, at: time.Duration(at * float64(time.Second))})
	}
	s.desc = fmt.Sprintf("mixed: %d × 1 GB recalls over %d tapes for two tenants 3:1, %d archives arriving over %.1f h, 4 drives",
		tapes*per, tapes, small1+large, at/3600)
	return s
}

// pctl returns the p-quantile (0..1) of ds by the nearest-rank method.
func pctl(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}
