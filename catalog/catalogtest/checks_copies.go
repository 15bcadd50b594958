package catalogtest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// copiesOf returns copies of files at file sequences from seq on, copy 1,
// format tapekit-pax-1.
func copiesOf(files []catalog.File, seq int64) []catalog.Copy {
	out := make([]catalog.Copy, len(files))
	for i, f := range files {
		out[i] = catalog.Copy{FileID: f.ID, CopyNo: 1, FileSeq: seq + int64(i), BlockID: 100 * (seq + int64(i)), Format: "tapekit-pax-1", Size: f.Size + 512}
	}
	return out
}

func checkCommitCopies(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	files, err := create(ctx, c, "/f1", "/f2", "/f3", "/f4")
	if err != nil {
		return err
	}
	v, err := c.ReserveVolume(ctx, "p1", 1<<20, "w1")
	if err != nil {
		return fmt.Errorf("ReserveVolume: %w", err)
	}
	if v.Barcode != "p1V001" || v.Writer != "w1" {
		return fmt.Errorf("ReserveVolume = %s held by %q; want p1V001 held by w1", v.Barcode, v.Writer)
	}
	first3 := copiesOf(files[:3], 1)
	if err := c.CommitCopies(ctx, v.Barcode, first3, 3000, 3); err != nil {
		return fmt.Errorf("CommitCopies: %w", err)
	}
	// The second batch names the volume explicitly and skips a file
	// sequence (a file that failed to write and was abandoned).
	last := copiesOf(files[3:], 5)
	last[0].Volume = v.Barcode
	if err := c.CommitCopies(ctx, v.Barcode, last, 5000, 5); err != nil {
		return fmt.Errorf("CommitCopies: %w", err)
	}
	// An empty commit records a fill level alone (a label rewritten, a
	// file given up after its filemark).
	if err := c.CommitCopies(ctx, v.Barcode, nil, 6000, 6); err != nil {
		return fmt.Errorf("CommitCopies(empty): %w", err)
	}
	got, err := c.Volume(ctx, v.Barcode)
	if err != nil {
		return err
	}
	if got.BytesUsed != 6000 || got.LastFileSeq != 6 || got.LastWritten.IsZero() {
		return fmt.Errorf("volume after commits: bytes used %d, last file %d, last written %v; want 6000, 6, set", got.BytesUsed, got.LastFileSeq, got.LastWritten)
	}
	want := append([]catalog.Copy{}, first3...)
	want = append(want, last...)
	for i := range want {
		want[i].Volume = v.Barcode
	}
	listed, err := volumeCopies(ctx, c, v.Barcode)
	if err != nil {
		return fmt.Errorf("VolumeCopies: %w", err)
	}
	if err := diff("VolumeCopies", want, listed); err != nil {
		return err
	}
	cps, err := c.Copies(ctx, files[3].ID)
	if err != nil {
		return fmt.Errorf("Copies: %w", err)
	}
	if err := diff("Copies", want[3:], cps); err != nil {
		return err
	}
	// Stopping an iteration early must work and leave the catalog usable.
	for range c.VolumeCopies(ctx, v.Barcode) {
		break
	}
	var unknownErr error
	for _, err := range c.VolumeCopies(ctx, "NONE01L9") {
		unknownErr = err
	}
	return wantErr("VolumeCopies(unknown)", unknownErr, catalog.ErrUnknownVolume)
}

// checkBadCommits: every rejected commit leaves copies and fill level as
// they were.
func checkBadCommits(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 2); err != nil {
		return err
	}
	files, err := create(ctx, c, "/f1", "/f2", "/f3")
	if err != nil {
		return err
	}
	const vol = "p1V001"
	if err := c.CommitCopies(ctx, vol, copiesOf(files[:1], 1), 1000, 1); err != nil {
		return fmt.Errorf("CommitCopies: %w", err)
	}
	if err := c.SetVolumeState(ctx, "p1V002", catalog.StateFull, "end of medium"); err != nil {
		return err
	}
	good := copiesOf(files[1:2], 2)
	missing := copiesOf(files[2:3], 3)
	missing[0].FileID = files[2].ID + 1000
	dupCopy := copiesOf(files[:1], 3) // files[0] already has copy 1
	dupSeq := append(copiesOf(files[1:2], 2), copiesOf(files[2:3], 2)...)
	badCopy := copiesOf(files[2:3], 3)
	badCopy[0].CopyNo = 0
	negSize := copiesOf(files[2:3], 3)
	negSize[0].Size = -1
	otherVol := copiesOf(files[2:3], 3)
	otherVol[0].Volume = "p1V002"
	cases := []struct {
		name      string
		vol       string
		copies    []catalog.Copy
		used, seq int64
		want      error
	}{
		{"unknown volume", "NONE01L9", good, 2000, 2, catalog.ErrUnknownVolume},
		{"volume not writable", "p1V002", copiesOf(files[1:2], 1), 2000, 1, catalog.ErrVolumeNotWritable},
		{"unknown file", vol, append(append([]catalog.Copy{}, good...), missing...), 3000, 3, catalog.ErrNotFound},
		{"copy number taken", vol, append(append([]catalog.Copy{}, good...), dupCopy...), 3000, 3, catalog.ErrExists},
		{"file sequence twice", vol, dupSeq, 3000, 2, catalog.ErrExists},
		{"file sequence already used", vol, copiesOf(files[1:2], 1), 2000, 1, catalog.ErrConflict},
		{"file sequence past the new last", vol, copiesOf(files[1:2], 3), 2000, 2, catalog.ErrConflict},
		{"fill level going back", vol, good, 999, 2, catalog.ErrConflict},
		{"negative fill level", vol, good, -1, 2, catalog.ErrInvalidSize},
		{"copy number 0", vol, append(append([]catalog.Copy{}, good...), badCopy...), 3000, 3, catalog.ErrInvalid},
		{"negative copy size", vol, append(append([]catalog.Copy{}, good...), negSize...), 3000, 3, catalog.ErrInvalidSize},
		{"copy for another volume", vol, append(append([]catalog.Copy{}, good...), otherVol...), 3000, 3, catalog.ErrInvalid},
	}
	before, err := c.Volume(ctx, vol)
	if err != nil {
		return err
	}
	for _, tc := range cases {
		if err := wantErr("CommitCopies with "+tc.name, c.CommitCopies(ctx, tc.vol, tc.copies, tc.used, tc.seq), tc.want); err != nil {
			return err
		}
		after, err := c.Volume(ctx, vol)
		if err != nil {
			return err
		}
		if err := diff("volume after a rejected commit ("+tc.name+")", before, after); err != nil {
			return err
		}
		listed, err := volumeCopies(ctx, c, vol)
		if err != nil {
			return err
		}
		if len(listed) != 1 {
			return fmt.Errorf("after a rejected commit (%s) the volume lists %d copies, want 1", tc.name, len(listed))
		}
		for _, f := range files[1:] {
			if cps, err := c.Copies(ctx, f.ID); err != nil || len(cps) != 0 {
				return fmt.Errorf("after a rejected commit (%s) file %d has copies %v (%v)", tc.name, f.ID, cps, err)
			}
		}
	}
	return nil
}

func checkReserve(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 3); err != nil {
		return err
	}
	// p1V002 is partly written: a reservation must prefer it, so volumes
	// are filled one after another.
	files, err := create(ctx, c, "/f1")
	if err != nil {
		return err
	}
	if err := c.CommitCopies(ctx, "p1V002", copiesOf(files, 1), 1<<30, 1); err != nil {
		return err
	}
	a, err := c.ReserveVolume(ctx, "p1", 1<<20, "w1")
	if err != nil || a.Barcode != "p1V002" {
		return fmt.Errorf("ReserveVolume(w1) = %s, %v; want the partly written p1V002", a.Barcode, err)
	}
	again, err := c.ReserveVolume(ctx, "p1", 1<<20, "w1")
	if err != nil || again.Barcode != a.Barcode {
		return fmt.Errorf("ReserveVolume(w1) again = %s, %v; want the volume w1 holds, %s", again.Barcode, err, a.Barcode)
	}
	b, err := c.ReserveVolume(ctx, "p1", 1<<20, "w2")
	if err != nil || b.Barcode == a.Barcode || b.Writer != "w2" {
		return fmt.Errorf("ReserveVolume(w2) = %+v, %v; want another volume than %s", b, err, a.Barcode)
	}
	if err := c.SetVolumeState(ctx, "p1V003", catalog.StateDisabled, "cleaning"); err != nil {
		return err
	}
	if err := c.SetVolumeState(ctx, "p1V001", catalog.StateDisabled, "cleaning"); err != nil {
		return err
	}
	_, errNone := c.ReserveVolume(ctx, "p1", 1<<20, "w3")
	_, errBig := c.ReserveVolume(ctx, "p2", Capacity+1, "w3")
	_, errPool := c.ReserveVolume(ctx, "p9", 0, "w3")
	_, errWriter := c.ReserveVolume(ctx, "p2", 0, "")
	_, errNeg := c.ReserveVolume(ctx, "p2", -1, "w3")
	if err := first(
		wantErr("ReserveVolume with every volume taken or disabled", errNone, catalog.ErrNoVolume),
		wantErr("ReserveVolume larger than any volume", errBig, catalog.ErrNoVolume),
		wantErr("ReserveVolume unknown pool", errPool, catalog.ErrUnknownPool),
		wantErr("ReserveVolume empty writer", errWriter, catalog.ErrInvalid),
		wantErr("ReserveVolume negative size", errNeg, catalog.ErrInvalidSize),
		wantErr("ReleaseVolume by another writer", c.ReleaseVolume(ctx, a.Barcode, "w2"), catalog.ErrReserved),
		wantErr("ReleaseVolume unknown", c.ReleaseVolume(ctx, "NONE01L9", "w1"), catalog.ErrUnknownVolume),
	); err != nil {
		return err
	}
	if err := c.ReleaseVolume(ctx, a.Barcode, "w1"); err != nil {
		return fmt.Errorf("ReleaseVolume: %w", err)
	}
	if err := c.ReleaseVolume(ctx, b.Barcode, ""); err != nil {
		return fmt.Errorf("ReleaseVolume by operator: %w", err)
	}
	for _, bc := range []string{a.Barcode, b.Barcode} {
		v, err := c.Volume(ctx, bc)
		if err != nil || v.Writer != "" {
			return fmt.Errorf("volume %s after release: writer %q, %v", bc, v.Writer, err)
		}
	}
	w3, err := c.ReserveVolume(ctx, "p1", 1<<20, "w3")
	if err != nil || w3.Barcode != "p1V002" {
		return fmt.Errorf("ReserveVolume after release = %s, %v; want p1V002", w3.Barcode, err)
	}
	return nil
}

// checkConcurrentReserve races writers on one handle: each must get its
// own volume, and the losers ErrNoVolume.
func checkConcurrentReserve(ctx context.Context, c catalog.Catalog) error {
	const volumes, writers = 5, 8
	if err := setup(ctx, c, volumes); err != nil {
		return err
	}
	var wg sync.WaitGroup
	got := make([]string, writers)
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			v, err := c.ReserveVolume(ctx, "p1", 0, fmt.Sprintf("w%d", i))
			got[i], errs[i] = v.Barcode, err
		})
	}
	wg.Wait()
	held := map[string]int{}
	none := 0
	for i := range writers {
		switch {
		case errorsIs(errs[i], catalog.ErrNoVolume):
			none++
		case errs[i] != nil:
			return fmt.Errorf("writer %d: %w", i, errs[i])
		default:
			if j, dup := held[got[i]]; dup {
				return fmt.Errorf("writers %d and %d both got %s", j, i, got[i])
			}
			held[got[i]] = i
		}
	}
	if len(held) != volumes || none != writers-volumes {
		return fmt.Errorf("%d writers got a volume and %d none; want %d and %d", len(held), none, volumes, writers-volumes)
	}
	return nil
}

// checkLongVolume lists a volume longer than any sensible read chunk, so
// implementations that read in chunks are checked at the chunk seams.
func checkLongVolume(ctx context.Context, c catalog.Catalog) error {
	const n = 10_007
	vol, err := FillVolume(ctx, c, n)
	if err != nil {
		return err
	}
	// Holes: copies deleted on both sides of chunk boundaries (a listing
	// reads a few thousand file sequences at a time), and a last copy far
	// past the others, so whole chunks are empty.
	want := map[int64]bool{}
	for i := int64(1); i <= n; i++ {
		want[i] = true
	}
	for cp, err := range c.VolumeCopies(ctx, vol) {
		if err != nil {
			return fmt.Errorf("VolumeCopies: %w", err)
		}
		switch cp.FileSeq {
		case 1, 4096, 4097, 8192, 8193, n:
			if err := c.Delete(ctx, cp.FileID, "hole"); err != nil {
				return err
			}
			delete(want, cp.FileSeq)
		}
	}
	far := int64(n + 3*4096 + 5)
	fs, err := create(ctx, c, "/long/far")
	if err != nil {
		return err
	}
	v, err := c.Volume(ctx, vol)
	if err != nil {
		return err
	}
	if err := c.CommitCopies(ctx, vol, []catalog.Copy{{FileID: fs[0].ID, CopyNo: 1, FileSeq: far, BlockID: far, Format: "tapekit-pax-1"}}, v.BytesUsed, far); err != nil {
		return err
	}
	want[far] = true
	var i, last int64
	for cp, err := range c.VolumeCopies(ctx, vol) {
		if err != nil {
			return fmt.Errorf("VolumeCopies: %w", err)
		}
		i++
		if !want[cp.FileSeq] || cp.FileSeq <= last || cp.BlockID != cp.FileSeq || cp.Volume != vol || cp.Format != "tapekit-pax-1" || cp.CopyNo != 1 {
			return fmt.Errorf("copy %d of the volume listing is %+v (after file %d)", i, cp, last)
		}
		last = cp.FileSeq
	}
	if i != int64(len(want)) {
		return fmt.Errorf("VolumeCopies listed %d copies, want %d", i, len(want))
	}
	vs, err := c.VolumeStats(ctx, vol)
	if err != nil || vs.Copies != int64(len(want)) {
		return fmt.Errorf("VolumeStats = %+v, %v; want %d copies", vs, err, len(want))
	}
	return nil
}

// checkExtremeValues commits copies at the ends of what an int64 holds and
// far apart on the tape: they list exactly, in order, and the listing ends
// promptly instead of walking every empty stretch of file sequences.
func checkExtremeValues(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	files, err := create(ctx, c, "/x1", "/x2", "/x3")
	if err != nil {
		return err
	}
	const vol = "p1V001"
	want := []catalog.Copy{
		{FileID: files[0].ID, CopyNo: 1, Volume: vol, FileSeq: 1, BlockID: math.MaxInt64, Format: "tapekit-pax-1", Size: math.MaxInt64},
		{FileID: files[1].ID, CopyNo: 1, Volume: vol, FileSeq: 1e12, BlockID: 1e18, Format: "tapekit-pax-1", Size: 1e18 + 1},
		{FileID: files[2].ID, CopyNo: 1, Volume: vol, FileSeq: math.MaxInt64, BlockID: 0, Format: "tapekit-pax-1", Size: 0},
	}
	if err := c.CommitCopies(ctx, vol, want, math.MaxInt64, math.MaxInt64); err != nil {
		return fmt.Errorf("CommitCopies: %w", err)
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	got, err := volumeCopies(lctx, c, vol)
	if err != nil {
		return fmt.Errorf("VolumeCopies: %w", err)
	}
	return diff("VolumeCopies", want, got)
}
