// Package scheduler is tapekit's volume-batching request scheduler and the
// mover that runs it on a library's drives.
//
// # Requests
//
// A Request is one file to recall from tape into the Sink, or one copy of a
// file to archive from the Source into a pool. Submit stores requests and
// gives them ids; a recall names a catalog file, whose copies (volume, file
// sequence, block, size) Submit loads from catalog.Catalog; an archive
// names a file and its storage class and becomes one request per copy the
// class wants, each with the pool of its copy. Requests carry a requester,
// an activity (the fair-share tenant), a priority and a creation time, and
// optionally a group (a stage request) that CancelGroup ends as a whole.
//
// A request is Queued, Running (claimed by a drive of this host), and ends
// exactly once: Done, Failed with a reason, or Cancelled. Between, it may go
// back from Running to Queued (another copy, another drive, a later mount).
// Config.OnEnd hears of every end once. A recall that cannot be served at
// all — no copy on tape, every copy on a disabled, broken, exported or
// suspect volume — fails at once with the reason, also when that becomes
// true while it waits.
//
// # Persistence
//
// Every change of state is written to the queue store first (Config.Queue,
// the catalog's queue in SQLite or PostgreSQL; nil keeps it in memory).
// Run starts by handing back to the queue what this host (Config.Host) had
// running when it stopped or crashed, then loads every pending request, so
// queued and running requests survive a restart and none is run twice at
// once or forgotten. With PostgreSQL several hosts share the queue: each
// claims the requests it runs, and a request claimed by one is never
// claimed by another.
//
// # Batches
//
// The planner groups requests by volume before they reach a drive: a free
// drive gets a batch, one volume and the requests to read from it (or, for
// archives, one pool and the requests to write to a volume of it reserved
// for the drive), and the tape is mounted once for all of them; requests
// for it that arrive meanwhile join the mount. The mover orders the reads
// within the tape (Orderer).
//
// A free drive takes, in this order:
//
//  1. the work for the tape it has mounted, if any: no mount is cheaper
//     (unless a request past Policy.MaxAge, or one of a higher priority,
//     waits for another tape it could mount, or another activity with
//     queued work is further below its fair share than the one the drive
//     worked for: a steady stream for one tape must not starve the others
//     or hold drives past a share);
//  2. work with a request older than Policy.MaxAge, which forces a mount
//     whatever else the policy says (the activity furthest below its fair
//     share first, then its oldest request);
//  3. otherwise the highest priority; among the activities with work at
//     that priority, the one furthest below its weighted share of the busy
//     drives (Policy.Shares); within it, the volume with the most queued
//     bytes, then the one with the oldest request.
//
// A volume is only worth a mount once its oldest request is Policy.MinAge
// old and it has Policy.MinBytes or Policy.MinFiles queued; a pool's
// archives once they reach ArchiveMinBytes or ArchiveMinFiles or their
// oldest is ArchiveMaxAge old; a deep archive queue is handed out in
// pieces of ArchiveMaxBatchBytes so that several drives write a pool at
// once, each to its own volume. A volume another drive holds is left to
// that drive. When nothing is left for its tape, a drive keeps it mounted for
// Policy.DismountDelay in case work for it arrives, and dismounts at once
// when other work waits; new work for other tapes goes to an empty drive
// first when one waits, which saves the dismount. With
// Policy.ReadyDrive (on in PolicyBest) only one idle drive at a time
// keeps its tape: when no other drive is idle and empty, the tape comes
// out at once, so that the next request for another tape does not wait
// for a rewind and an unload (recallbench W4 at 70 % load: p50 time to
// first byte 175 s without it, 109 s with it).
//
// # The mover
//
// Run starts one worker per drive: the mover. It takes batches from the
// planner and does the mechanical work through the interfaces only
// (changer.Changer, tape.Drive, tape/format, catalog.Catalog), never a
// concrete driver. A recall batch reserves room in the Sink before the
// mount (a full sink delays the mount, it never fails it), mounts the
// volume (found by barcode in the changer's inventory, loaded, its label
// checked), reads the files in the Orderer's order through the TapeIO,
// which verifies every checksum the catalog and the tape know, and
// commits each to the Sink, or aborts it. An archive batch writes to the
// volume reserved for the drive (labelled on first use) and commits each
// copy to the catalog only after a synchronising filemark covers it; only
// then is the request Done. An archive with Request.Relocate set moves an
// existing copy instead (a repack): the new copy replaces the old one
// through catalog.RelocateCopies, under the same rule; one whose copy has
// already moved ends Done without writing, and one whose file was deleted
// fails at once. An archive whose copy a crashed run already committed
// also ends Done without writing. FormatIO is the default TapeIO; a benchmark
// plugs in one that moves no bytes (the simulator's fast path) and keeps
// everything else.
//
// # Order within a tape
//
// An Orderer orders the reads of a mounted tape: BlockOrder (the order
// the tape was written in), RAOOrder (the drive's Recommended Access
// Order, tape.RAOer, when it has one), GreedyOrder (shortest locate
// first, on a CostModel) and BestOrder (exact for up to 12 files, else
// greedy improved by local search; on 1,000 random files of an LTO-9 it
// needs 2.05 times less time than block order and 6 % less than greedy,
// see BenchmarkOrderW3). The simulator publishes its CostModel, so a
// planner prices locates exactly as the simulated drive charges them.
//
// # Copies
//
// A recall reads one of its file's copies: one on a tape a working drive
// has mounted, else the one on the volume with the most queued bytes, so
// that requests gather on few tapes. Copies on disabled, broken or exported
// volumes (the catalog's state, read again before each mount) are skipped,
// and so are suspect volumes and tapes stuck in a drive that is down.
//
// # Failures
//
// The mover classifies each failure. A media error (or an unclassified
// one) is retried at once on the same mount Policy.RetriesPerMount times; a
// sink error is not. Then the request goes back to the queue, waits
// Policy.RetryDelay and, after a media error, prefers its other copies. A
// volume with media errors in two different drives is suspect and skipped
// from then on (and made read-only when it would be written); a drive with
// media errors on two different volumes goes down. Blame goes one way: a
// suspect volume's errors stop counting against drives, and a down drive's
// against volumes. A drive error puts the drive down at once and requeues
// its request without counting an attempt, as does a full volume. A request
// fails after Policy.MaxAttempts failed attempts (mounts), with the last
// error as its reason. Suspects, down drives, failed-attempt counts and the
// copies a request avoids live in memory: a restart starts them afresh
// (the store's Attempts counts every claim, across restarts).
//
// # Policies
//
// Policy holds every knob; DefaultPolicy has the values an operator would
// start from. The presets compared by examples/recallbench are
//
//   - PolicyFIFO: arrival order, one file per mount, no dismount delay: the
//     baseline;
//   - PolicyByVolume: everything queued for a volume in one mount, the
//     volume with the most work first, no minimum before a mount;
//   - PolicyBest: batching, mounted tapes first, copy choice, fair share, a
//     dismount delay, retries and a maximum age.
//
// # Observing
//
// Config.OnEnd hears every end; Config.Events every batch handed to a
// drive, every drive that goes down and every volume that becomes suspect;
// DriveShares tells how many drives each activity holds at the moment, and
// Get and Group what became of requests. Callbacks run outside the
// scheduler's lock, one at a time, and may call it.
//
// # Time
//
// The scheduler reads time from Config.Clock. With a *vclock.Clock the
// drive workers are participants of the virtual clock and wait for work on
// a vclock.Cond, so a day of library time runs in a fraction of a second,
// the same way every run: given the same requests at the same virtual
// times, the scheduler hands out the same batches in the same order.
package scheduler
