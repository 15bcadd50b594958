// Package repack moves the live files of a tape to new media: to reclaim
// the space of deleted files, to retire a worn cartridge, or to migrate a
// whole pool to a new generation and format (COMPASS moved 300 TB between
// tape generations on CASTOR; Enstore's migration and CTA's repack do the
// same).
//
// A Repacker works through the scheduler, as its own fair-share activity
// ("repack"), so it never takes the drives users need beyond its weight:
//
//	rp, _ := repack.New(repack.Config{Catalog: cat, Dir: "/var/lib/hsm/repack"})
//	s, _ := scheduler.New(scheduler.Config{
//		Catalog: cat, Queue: cat, Changer: lib, Drives: drives,
//		Sink:   rp.Sink(cacheSink),     // repack recalls go to rp's staging
//		Source: rp.Source(cacheSource), // repack archives read from it
//		OnEnd:  func(q scheduler.Request) { rp.OnEnd(q); other(q) },
//		Policy: policyWithShares,       // e.g. Shares{"repack": 1, "users": 3}
//		TapeIO: scheduler.FormatIO{Format: formatOfPool}, // ANSI for the new pool, say
//	})
//	go s.Run(ctx)
//	rp.Attach(ctx, s)                    // resumes what a previous run left
//	rp.Start(ctx, "OLD001L7", "lto9")    // repack a volume into pool lto9
//	rp.StartAll(ctx, "", "LTO-7", "lto9") // or every LTO-7 volume holding files
//	st, _ := rp.Status(ctx, "OLD001L7")  // files and bytes left, rate, ETA
//
// # How a file moves
//
// Start marks the volume StateRepacking (nothing more is written to it)
// and, for every live copy on it (catalog.VolumeCopies, in tape order),
// submits a recall, in one group per volume ("repack/VOLUME"): the
// scheduler batches them into one mount and reads them in a good order,
// verifying every checksum. Each file lands in the staging directory,
// atomically (written, synced, renamed). When its recall ends, the
// repacker submits an archive that relocates that copy
// (scheduler.Request.Relocate) to the destination pool; the scheduler
// writes it, in the destination's format (pax or ANSI, by
// scheduler.FormatIO.Format), verifying the checksums again on the way,
// and records it with catalog.RelocateCopies only after the synchronising
// filemark: the copy's row then names the new volume. The staged file is
// then removed. Reads and writes run on different drives at once, so the
// read drive and the write drive stream together; in a library of mixed
// generations each works only on the media it reads or writes
// (scheduler.Drive.Reads and Writes).
//
// When no live copy is left on the volume the repack is Done and the
// volume is disabled (StateDisabled, with a reason): it holds no data
// anyone needs, and an operator relabels it for reuse or retires it.
// Files deleted before or during the repack are not moved. A file whose
// read or write fails MaxAttempts times is given up and reported
// (Status.Failed), and the repack ends Stuck with its copy still on the
// old volume. Cancel stops a repack and gives the volume back its state;
// what has moved stays moved.
//
// # Adding and replacing copies
//
// The same machinery adds copies: Replicate reads every file the catalog
// is short of copies of (catalog.Check: a storage class that now wants a
// second copy) into staging and writes each missing copy to its pool;
// Recopy removes a copy found bad (RemoveCopy) and writes it again from
// another copy. Both are idempotent: call them again after a restart.
//
// # Restarts
//
// The catalog is the progress: a copy has moved exactly when its row
// names the new volume, and RelocateCopies moves it in the same
// transaction as the new volume's fill level. The jobs themselves are
// small JSON files under Dir/jobs, written atomically. After a restart,
// Attach reconciles every running repack with the catalog and the
// scheduler's queue (which keeps the requests in flight): a file still on
// the old volume with no request in flight is read again, or written
// straight away if its staged copy is whole. A file written but not yet
// recorded is written once more (the first writing stays on the new tape
// unreferenced); one recorded but whose request had not ended is seen as
// moved. So no file is lost, and none is recorded twice.
package repack
