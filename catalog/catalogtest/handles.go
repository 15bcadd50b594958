package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// TestHandles checks several handles on one database, as several hosts
// sharing a catalog: handles must hold at least two catalogs opened on the
// same empty database. Writers spread over the handles race to reserve
// volumes and commit; no volume may be held by two writers at once and no
// commit may be lost. Then writers commit to one volume without
// reservations, each reading the fill level and committing after it: each
// commit either succeeds or fails with ErrConflict or ErrExists, and the
// volume's fill level counts every success exactly once. Last, files are
// deleted on one handle while another commits copies of them, and then
// while another relocates their copies: no copy may outlive its file, and
// a copy relocated and deleted at once is found in the recycle log at its
// new place or, when the relocation lost, at its old one.
func TestHandles(ctx context.Context, handles []catalog.Catalog) error {
	if len(handles) < 2 {
		return errors.New("catalogtest: TestHandles needs at least two handles")
	}
	const (
		volumes  = 3
		writers  = 8
		rounds   = 5
		perBatch = 3
	)
	c0 := handles[0]
	if err := setup(ctx, c0, volumes); err != nil {
		return err
	}
	var paths []string
	for i := range writers * rounds * (perBatch + 1) {
		paths = append(paths, fmt.Sprintf("/race/%05d", i))
	}
	files, err := create(ctx, c0, paths...)
	if err != nil {
		return err
	}
	next := make(chan catalog.File, len(files))
	for _, f := range files {
		next <- f
	}
	close(next)

	var (
		mu      sync.Mutex
		holders = map[string]string{}
		copies  = map[string]int64{} // committed per volume
		errs    []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := range writers {
		c := handles[w%len(handles)]
		name := fmt.Sprintf("host%d-w%d", w%len(handles), w)
		wg.Go(func() {
			for range rounds {
				v, err := reserveRetry(ctx, c, name)
				if err != nil {
					fail(fmt.Errorf("%s: ReserveVolume: %w", name, err))
					return
				}
				mu.Lock()
				if h := holders[v.Barcode]; h != "" {
					errs = append(errs, fmt.Errorf("volume %s handed to %s while %s holds it", v.Barcode, name, h))
				}
				holders[v.Barcode] = name
				mu.Unlock()
				batch := make([]catalog.Copy, perBatch)
				for i := range batch {
					f := <-next
					batch[i] = catalog.Copy{FileID: f.ID, CopyNo: 1, FileSeq: v.LastFileSeq + int64(i) + 1, Format: "tapekit-pax-1"}
				}
				err = c.CommitCopies(ctx, v.Barcode, batch, v.BytesUsed+100*perBatch, v.LastFileSeq+perBatch)
				mu.Lock()
				if err == nil {
					copies[v.Barcode] += perBatch
				} else {
					errs = append(errs, fmt.Errorf("%s: CommitCopies to its reserved volume %s: %w", name, v.Barcode, err))
				}
				holders[v.Barcode] = ""
				mu.Unlock()
				if err := c.ReleaseVolume(ctx, v.Barcode, name); err != nil {
					fail(fmt.Errorf("%s: ReleaseVolume: %w", name, err))
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for bc, n := range copies {
		if err := checkFill(ctx, handles[1], bc, n); err != nil {
			return err
		}
	}

	// Unreserved commits racing on one volume.
	const target = "p2V001"
	var ok int64
	for w := range writers {
		c := handles[w%len(handles)]
		f := <-next
		wg.Go(func() {
			for attempt := 0; ; attempt++ {
				v, err := c.Volume(ctx, target)
				if err != nil {
					fail(err)
					return
				}
				cp := catalog.Copy{FileID: f.ID, CopyNo: 1, FileSeq: v.LastFileSeq + 1, Format: "tapekit-pax-1"}
				err = c.CommitCopies(ctx, target, []catalog.Copy{cp}, v.BytesUsed+100, v.LastFileSeq+1)
				switch {
				case err == nil:
					mu.Lock()
					ok++
					mu.Unlock()
					return
				case (errors.Is(err, catalog.ErrConflict) || errors.Is(err, catalog.ErrExists)) && attempt < 1000:
					continue
				default:
					fail(fmt.Errorf("racing CommitCopies: %w", err))
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if ok != writers {
		return fmt.Errorf("%d of %d racing commits succeeded", ok, writers)
	}
	if err := checkFill(ctx, handles[0], target, writers); err != nil {
		return err
	}
	if err := raceDeleteCommit(ctx, handles[0], handles[1]); err != nil {
		return err
	}
	if err := raceRelocateDelete(ctx, handles[0], handles[1]); err != nil {
		return err
	}
	return racePutClass(ctx, handles[0], handles[1])
}

// racePutClass puts one storage class from two handles at once, again and
// again: every call succeeds and the class ends as one of them put it.
func racePutClass(ctx context.Context, a, b catalog.Catalog) error {
	classes := []catalog.StorageClass{{Name: "raced", Pools: []string{"p1", "p2"}}, {Name: "raced", Pools: []string{"p2"}}}
	for i := range 30 {
		var ea, eb error
		var wg sync.WaitGroup
		wg.Go(func() { ea = a.PutStorageClass(ctx, classes[0]) })
		wg.Go(func() { eb = b.PutStorageClass(ctx, classes[1]) })
		wg.Wait()
		if err := errors.Join(ea, eb); err != nil {
			return fmt.Errorf("round %d: PutStorageClass racing another: %w", i, err)
		}
		got, err := a.StorageClass(ctx, "raced")
		if err != nil {
			return err
		}
		if !slices.Equal(got.Pools, classes[0].Pools) && !slices.Equal(got.Pools, classes[1].Pools) {
			return fmt.Errorf("round %d: class has pools %v, a mix of the two puts", i, got.Pools)
		}
	}
	return nil
}

// raceDeleteCommit deletes files on one handle while another commits
// copies of them: a commit either fails with ErrNotFound or its copy is
// found with the file, live or in the recycle log; no copy is left
// pointing at a file that is gone.
func raceDeleteCommit(ctx context.Context, committer, deleter catalog.Catalog) error {
	const target, rounds = "p2V002", 40
	for i := range rounds {
		fs, err := create(ctx, committer, fmt.Sprintf("/race-delete/%03d", i))
		if err != nil {
			return err
		}
		f := fs[0]
		v, err := committer.Volume(ctx, target)
		if err != nil {
			return err
		}
		cp := catalog.Copy{FileID: f.ID, CopyNo: 1, FileSeq: v.LastFileSeq + 1, Format: "tapekit-pax-1"}
		var cerr, derr error
		var wg sync.WaitGroup
		wg.Go(func() {
			cerr = committer.CommitCopies(ctx, target, []catalog.Copy{cp}, v.BytesUsed+100, v.LastFileSeq+1)
		})
		wg.Go(func() { derr = deleter.Delete(ctx, f.ID, "race") })
		wg.Wait()
		if derr != nil {
			return fmt.Errorf("round %d: Delete: %w", i, derr)
		}
		d, err := deleter.Deleted(ctx, f.ID)
		if err != nil {
			return fmt.Errorf("round %d: Deleted: %w", i, err)
		}
		switch {
		case cerr == nil && len(d.Copies) != 1:
			return fmt.Errorf("round %d: the commit succeeded but the deleted file has %d copies", i, len(d.Copies))
		case cerr != nil && !errors.Is(cerr, catalog.ErrNotFound):
			return fmt.Errorf("round %d: CommitCopies racing a delete: %w, want success or ErrNotFound", i, cerr)
		case cerr != nil && len(d.Copies) != 0:
			return fmt.Errorf("round %d: the commit failed but the deleted file has %d copies", i, len(d.Copies))
		}
	}
	r, err := committer.Check(ctx)
	if err != nil {
		return err
	}
	if len(r.FilelessCopies) != 0 || len(r.OrphanCopies) != 0 {
		return fmt.Errorf("after commits raced deletes: %d fileless and %d orphan copies", len(r.FilelessCopies), len(r.OrphanCopies))
	}
	return nil
}

// raceRelocateDelete relocates a file's copy on one handle while another
// deletes the file, both let go at once: either the relocation wins and
// the delete moves the copy from its new place into the recycle log, or
// the delete wins and the relocation fails with ErrNotFound, and the log
// holds the copy where it was. No copy may be left without its file.
func raceRelocateDelete(ctx context.Context, relocator, deleter catalog.Catalog) error {
	const src, dst, rounds = "RPK001", "RPK002", 60
	for _, bc := range []string{src, dst} {
		if err := relocator.AddVolume(ctx, volume(bc, "p2")); err != nil {
			return err
		}
	}
	for i := range rounds {
		fs, err := create(ctx, relocator, fmt.Sprintf("/race-relocate/%03d", i))
		if err != nil {
			return err
		}
		f := fs[0]
		placed := catalog.Copy{FileID: f.ID, CopyNo: 1, Volume: src, FileSeq: int64(i) + 1, BlockID: 10, Format: "tapekit-pax-1", Size: 100}
		if err := relocator.CommitCopies(ctx, src, []catalog.Copy{placed}, 100*placed.FileSeq, placed.FileSeq); err != nil {
			return fmt.Errorf("round %d: CommitCopies: %w", i, err)
		}
		v, err := relocator.Volume(ctx, dst)
		if err != nil {
			return err
		}
		moved := catalog.Copy{FileID: f.ID, CopyNo: 1, Volume: dst, FileSeq: v.LastFileSeq + 1, BlockID: 20, Format: "tapekit-pax-2", Size: 90}
		var rerr, derr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			rerr = relocator.RelocateCopies(ctx, dst, []catalog.Copy{moved}, v.BytesUsed+100, moved.FileSeq)
		})
		wg.Go(func() {
			<-start
			derr = deleter.Delete(ctx, f.ID, "race")
		})
		close(start)
		wg.Wait()
		if derr != nil {
			return fmt.Errorf("round %d: Delete racing a relocation: %w", i, derr)
		}
		want := moved
		if rerr != nil {
			if !errors.Is(rerr, catalog.ErrNotFound) {
				return fmt.Errorf("round %d: RelocateCopies racing a delete: %w, want success or ErrNotFound", i, rerr)
			}
			want = placed
		}
		d, err := deleter.Deleted(ctx, f.ID)
		if err != nil {
			return fmt.Errorf("round %d: Deleted: %w", i, err)
		}
		if err := diff(fmt.Sprintf("round %d: deleted copies after a relocation that returned %v", i, rerr), []catalog.Copy{want}, d.Copies); err != nil {
			return err
		}
	}
	r, err := relocator.Check(ctx)
	if err != nil {
		return err
	}
	if len(r.FilelessCopies) != 0 || len(r.OrphanCopies) != 0 {
		return fmt.Errorf("after relocations raced deletes: fileless copies %v, orphan copies %v", r.FilelessCopies, r.OrphanCopies)
	}
	for _, bc := range []string{src, dst} {
		if left, err := volumeCopies(ctx, deleter, bc); err != nil || len(left) != 0 {
			return fmt.Errorf("volume %s after every file on it was deleted lists %v, %v", bc, left, err)
		}
	}
	return nil
}

// checkFill checks that a volume holds n copies at file sequences 1…n and
// records 100 bytes for each.
func checkFill(ctx context.Context, c catalog.Catalog, barcode string, n int64) error {
	v, err := c.Volume(ctx, barcode)
	if err != nil {
		return err
	}
	if v.LastFileSeq != n || v.BytesUsed != 100*n {
		return fmt.Errorf("volume %s: last file %d, %d bytes used; want %d and %d (an update was lost)", barcode, v.LastFileSeq, v.BytesUsed, n, 100*n)
	}
	listed, err := volumeCopies(ctx, c, barcode)
	if err != nil {
		return err
	}
	if int64(len(listed)) != n {
		return fmt.Errorf("volume %s lists %d copies, want %d", barcode, len(listed), n)
	}
	for i, cp := range listed {
		if cp.FileSeq != int64(i)+1 {
			return fmt.Errorf("volume %s: copy %d at file sequence %d, want %d", barcode, i, cp.FileSeq, i+1)
		}
	}
	return nil
}

// reserveRetry waits for a volume while all are held by other writers.
func reserveRetry(ctx context.Context, c catalog.Catalog, writer string) (catalog.Volume, error) {
	for i := 0; ; i++ {
		v, err := c.ReserveVolume(ctx, "p1", 0, writer)
		if !errors.Is(err, catalog.ErrNoVolume) || i > 20000 {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}
