// Recallbench measures the scheduler against a lower bound on the
// simulated library, in virtual time.
//
//	go run ./examples/recallbench                  # every workload, the default policies, a table
//	go run ./examples/recallbench -workload W3 -policy greedy,best
//	go run ./examples/recallbench -json            # one JSON object per line
//	go run ./examples/recallbench -small           # scaled-down workloads, for a quick look
//
// Each workload is laid out once on a simulator.Library driven by a
// vclock.Clock (LTO-9 drives and cartridges, a SQLite catalog in a
// temporary directory); every policy then runs on it from the same start,
// the cartridges back in their slots. The library charges what its cost
// model says a real drive and robot take (robot moves, load, locate along
// the serpentine wraps, read at native rate, rewind, unload), so a
// workload of days runs in seconds of wall time.
//
// # Workloads
//
//   - W1 scattered: 10,000 files of 1 GB over 500 full tapes, 20 each
//     (written together after other data, at a random place), 4 drives,
//     all requested at once in a random order.
//   - W2 co-located: the same 10 TB on 20 tapes (500 each), 4 drives.
//   - W3 one tape: 1,000 files of 100 MB at random places on one full
//     tape, one drive: only the order of reads differs.
//   - W4-50, W4-70 online: Poisson arrivals of single-file 4 GB recalls of
//     5,000 tapes (two files on each), 8 drives, at 50 % and 70 % of the
//     drives' capacity by the mean service time of one recall (robot in,
//     load, average locate, read, average rewind, unload, robot out).
//     2,000 requests; the time to first byte is what matters.
//   - W5 streaming: 100 full tapes of 100 files each, 10 drives.
//   - W6 mixed: W1-style recalls of 4,000 files on 200 tapes for two
//     tenants ("physics" and "biology", fair-share weights 3:1, the tapes
//     alternating between them), while 2,100 archives (256 KiB and 8 MiB,
//     three in four for physics) arrive over three hours; 4 drives and 4
//     blank tapes for the archives.
//
// # Policies
//
//   - fifo: scheduler.PolicyFIFO, arrival order, one file per mount: what
//     a tape system without a scheduler does.
//   - by-volume: scheduler.PolicyByVolume, batched per volume, read in
//     block order (scheduler.BlockOrder).
//   - greedy: scheduler.PolicyBest with scheduler.GreedyOrder, shortest
//     locate first. On serpentine tape it can be poor: from the beginning
//     of tape, the nearest file of a run on a reverse wrap is the run's
//     last, and the rest of the run is then read backwards (W2).
//   - best: scheduler.PolicyBest with scheduler.BestOrder.
//
// On demand (-policy): best-block (PolicyBest, block order), rao
// (PolicyBest with the drive's own recommended order, scheduler.RAOOrder),
// and two reference executors that drive the library without the
// scheduler, to check it: direct-fifo and direct-by-volume (they only
// read, so they skip W6). The RB_DISMOUNT environment variable overrides
// the best preset's dismount delay (a Go duration), to explore it.
//
// Recalls go through the simulator's fast path: the drive charges the
// time of every byte but moves none, and the mover checks that exactly
// the catalog's blocks were read up to the filemark, in place of
// checksums; the sink counts bytes and records each file's first byte.
// Archives (W6) are written byte for byte through tape/format.
//
// # Lower bound
//
// The bound is computed from the simulator's published cost model,
// simulator.CostModel, the same way for every policy, and is the largest
// of four terms:
//
//   - drives: every tape's least work, spread evenly over the drives.
//     A tape's least work is two robot moves, load, unload, reading its
//     requested files at native rate, and the least positioning of any
//     order of reads: the assignment relaxation of the shortest path from
//     the beginning of tape through its files and back (solved exactly by
//     the Hungarian method up to 80 files, else the larger of the sums of
//     cheapest entries and cheapest exits). The last tape of each drive
//     needs no rewind, unload or robot move back: the largest such
//     savings are taken off. Archives add their writing time and one
//     mount.
//   - tape: the busiest tape on its own, or the cheapest tapes of the
//     drive that must mount the most.
//   - robot: every robot move, shared by the robots.
//   - arrival: the last request's arrival plus its read (W4, W6).
//
// No schedule can beat it: TestBoundBruteForce runs every schedule of
// small workloads on the simulator and checks none does.
//
// # Output
//
// A table by default; with -json one object per line with the keys
// workload, policy, makespan_s (from the start of the run to the end of
// its last request, in library time), lower_bound_s, ratio (makespan over bound), mounts,
// streaming_fraction (drive time spent reading or writing over drive
// time with a cartridge loaded), ttfb_p50_s and ttfb_p99_s (submission
// to first byte in the sink, nearest rank), failed (requests that did
// not end done) and wall_s; for W6 also share_<tenant>: each tenant's
// share of the drives, sampled every 10 s of library time while both
// tenants had recalls waiting for a drive. Queued archives are not
// counted as waiting: they wait for their batch by design.
package main
