package repack

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/scheduler"
)

// copiesGroup is the scheduler group of the requests that add copies
// (Replicate, Recopy): "+" cannot start a barcode, so it names no volume.
const copiesGroup = groupPrefix + "+copies"

// Replicate adds the copies the catalog is short of (catalog.Check's
// Underreplicated: a storage class that now wants a second copy, or a
// copy removed as bad): each such file is read from a copy it has into
// staging and written to the pool of each missing copy, by the same
// machinery as a repack and as the same fair-share activity. It returns
// how many files it asked for. It is idempotent: a file already in
// flight is not asked for again, and a copy written meanwhile ends its
// request at once; call it again after a restart.
func (r *Repacker) Replicate(ctx context.Context) (int, error) {
	r.acquire()
	defer r.release()
	s := r.scheduler()
	if s == nil {
		return 0, ErrNotAttached
	}
	rep, err := r.cat.Check(ctx)
	if err != nil {
		return 0, err
	}
	reqs, err := s.Group(ctx, copiesGroup)
	if err != nil {
		return 0, err
	}
	inFlight := map[int64]bool{}
	for _, q := range reqs {
		if !q.State.Ended() {
			inFlight[q.FileID] = true
		}
	}
	var want []scheduler.Request
	for _, sf := range rep.Underreplicated {
		if inFlight[sf.FileID] {
			continue
		}
		f, err := r.cat.File(ctx, sf.FileID)
		if errors.Is(err, catalog.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		q, err := r.copyRequest(ctx, f)
		if err != nil {
			return 0, err
		}
		if q.FileID != 0 {
			want = append(want, q)
		}
	}
	if len(want) == 0 {
		return 0, nil
	}
	if _, err := s.Submit(ctx, want...); err != nil {
		return 0, err
	}
	return len(want), nil
}

// Recopy replaces a bad copy: it removes copy copyNo of the file from the
// catalog (the tape is not touched) and writes it again from another
// copy, as Replicate does. It refuses (catalog.ErrInvalid) when the file
// has no other copy to read.
func (r *Repacker) Recopy(ctx context.Context, fileID, copyNo int64, reason string) error {
	cs, err := r.cat.Copies(ctx, fileID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(cs, func(c catalog.Copy) bool { return c.CopyNo == copyNo }) {
		return fmt.Errorf("repack: %w: file %d has no copy %d", catalog.ErrNotFound, fileID, copyNo)
	}
	if len(cs) < 2 {
		return fmt.Errorf("repack: %w: copy %d is the only copy of file %d: nothing to copy it from", catalog.ErrInvalid, copyNo, fileID)
	}
	if err := r.cat.RemoveCopy(ctx, fileID, copyNo, reason); err != nil {
		return err
	}
	_, err = r.Replicate(ctx)
	return err
}

// copyRequest is the next request that adds f's missing copies: its read
// into staging, or, when it is staged, the write of its first missing
// copy. A zero request: nothing is missing.
func (r *Repacker) copyRequest(ctx context.Context, f catalog.File) (scheduler.Request, error) {
	class, err := r.cat.StorageClass(ctx, f.StorageClass)
	if err != nil {
		return scheduler.Request{}, err
	}
	cs, err := r.cat.Copies(ctx, f.ID)
	if err != nil {
		return scheduler.Request{}, err
	}
	q := scheduler.Request{FileID: f.ID, Path: f.Path, Size: f.Size, Group: copiesGroup,
		Activity: r.cfg.Activity, Priority: r.cfg.Priority, Requester: r.cfg.Requester}
	for n := int64(1); n <= int64(class.Copies()); n++ {
		if slices.ContainsFunc(cs, func(c catalog.Copy) bool { return c.CopyNo == n }) {
			continue
		}
		if !r.staged(f) {
			q.Kind = scheduler.Recall
			return q, nil
		}
		q.Kind, q.StorageClass, q.CopyNo = scheduler.Archive, f.StorageClass, n
		return q, nil
	}
	return scheduler.Request{}, nil
}

// handleCopies is the end of a Replicate request, on the worker: a file
// read goes on to its next missing copy, and once none is missing its
// staged data goes.
func (r *Repacker) handleCopies(ctx context.Context, q scheduler.Request) {
	if q.State != scheduler.Done {
		return // Replicate asks again
	}
	f, err := r.cat.File(ctx, q.FileID)
	if err != nil {
		return
	}
	next, err := r.copyRequest(ctx, f)
	if err != nil {
		r.log.Warn("repack: next copy", "file", q.FileID, "err", err)
		return
	}
	if next.FileID == 0 {
		if err := r.staging.Remove(f.Path); err != nil {
			r.log.Warn("repack: remove a staged file", "path", f.Path, "err", err)
		}
		return
	}
	if _, err := r.scheduler().Submit(ctx, next); err != nil {
		r.log.Warn("repack: submit the next copy", "file", q.FileID, "err", err)
	}
}

func (r *Repacker) scheduler() Scheduler {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s
}

// StartAll starts the repack into pool of every volume of fromPool ("" for
// any pool) of mediaType ("" for any) that holds live copies and is not
// being repacked already, as a migration of a whole pool or generation
// does; pool's own volumes are left alone. It needs a catalog that lists
// volumes (catalog.VolumeLister) and returns the repacks it started.
func (r *Repacker) StartAll(ctx context.Context, fromPool, mediaType, pool string) ([]Status, error) {
	l, ok := r.cat.(catalog.VolumeLister)
	if !ok {
		return nil, fmt.Errorf("repack: %w: the catalog cannot list volumes", errors.ErrUnsupported)
	}
	vols, err := l.Volumes(ctx, fromPool, mediaType)
	if err != nil {
		return nil, err
	}
	var out []Status
	for _, v := range vols {
		if v.Pool == pool {
			continue
		}
		vs, err := r.cat.VolumeStats(ctx, v.Barcode)
		if err != nil {
			return out, err
		}
		if vs.Copies == 0 {
			continue
		}
		st, err := r.Start(ctx, v.Barcode, pool)
		if errors.Is(err, ErrRunning) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("repack %s: %w", v.Barcode, err)
		}
		out = append(out, st)
	}
	return out, nil
}
