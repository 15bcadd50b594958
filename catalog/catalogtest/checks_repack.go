package catalogtest

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/catalog"
)

// state is what a rejected call must leave as it was: the volumes, their
// listings, the copies of live files and the recycle log.
type state struct {
	Volumes  map[string]catalog.Volume
	Listings map[string][]catalog.Copy
	Copies   map[int64][]catalog.Copy
	Deleted  []catalog.Deletion
}

// snapshot reads the state of the volumes barcodes and the live files
// ids.
func snapshot(ctx context.Context, c catalog.Catalog, barcodes []string, ids []int64) (state, error) {
	s := state{Volumes: map[string]catalog.Volume{}, Listings: map[string][]catalog.Copy{}, Copies: map[int64][]catalog.Copy{}}
	for _, bc := range barcodes {
		v, err := c.Volume(ctx, bc)
		if err != nil {
			return s, fmt.Errorf("Volume(%s): %w", bc, err)
		}
		s.Volumes[bc] = v
		if s.Listings[bc], err = volumeCopies(ctx, c, bc); err != nil {
			return s, fmt.Errorf("VolumeCopies(%s): %w", bc, err)
		}
	}
	for _, id := range ids {
		cps, err := c.Copies(ctx, id)
		if err != nil {
			return s, fmt.Errorf("Copies(%d): %w", id, err)
		}
		s.Copies[id] = cps
	}
	var err error
	s.Deleted, err = allDeleted(ctx, c, 0)
	return s, err
}

func checkRelocateCopies(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 2); err != nil {
		return err
	}
	two := file("/two", 5)
	two.StorageClass = "two"
	files, err := c.CreateFiles(ctx, []catalog.File{file("/a", 1000), file("/b", 1001), file("/c", 1002), two})
	if err != nil {
		return fmt.Errorf("CreateFiles: %w", err)
	}
	a, b, cf, tw := files[0], files[1], files[2], files[3]
	const src, dst = "p1V001", "p1V002"
	if err := c.CommitCopies(ctx, src, copiesOf(files, 1), 4000, 4); err != nil {
		return fmt.Errorf("CommitCopies: %w", err)
	}
	second := catalog.Copy{FileID: tw.ID, CopyNo: 2, Volume: "p2V001", FileSeq: 1, BlockID: 0, Format: "tapekit-pax-1", Size: 600}
	if err := c.CommitCopies(ctx, "p2V001", []catalog.Copy{second}, 600, 1); err != nil {
		return fmt.Errorf("CommitCopies: %w", err)
	}
	// The destination holds a label or an earlier file: the repack's
	// copies follow it.
	if err := c.CommitCopies(ctx, dst, nil, 100, 1); err != nil {
		return fmt.Errorf("CommitCopies(empty): %w", err)
	}
	srcBefore, err := c.Volume(ctx, src)
	if err != nil {
		return err
	}
	// A repack rewrites the copies in a newer format, at new places and
	// sizes, and skips a file sequence (a file abandoned on the way).
	moved := []catalog.Copy{
		{FileID: a.ID, CopyNo: 1, FileSeq: 2, BlockID: 7000, Format: "tapekit-pax-2", Size: 1600},
		{FileID: cf.ID, CopyNo: 1, FileSeq: 3, BlockID: 7100, Format: "tapekit-pax-2", Size: 1602},
		{FileID: tw.ID, CopyNo: 1, Volume: dst, FileSeq: 5, BlockID: 7300, Format: "cta-ansi", Size: 700},
	}
	if err := c.RelocateCopies(ctx, dst, moved, 9000, 6); err != nil {
		return fmt.Errorf("RelocateCopies: %w", err)
	}
	for i := range moved {
		moved[i].Volume = dst
	}
	got, err := c.Volume(ctx, dst)
	if err != nil {
		return err
	}
	if got.BytesUsed != 9000 || got.LastFileSeq != 6 || got.LastWritten.IsZero() {
		return fmt.Errorf("destination after RelocateCopies: bytes used %d, last file %d, last written %v; want 9000, 6, set", got.BytesUsed, got.LastFileSeq, got.LastWritten)
	}
	// The source keeps its fill level: the space is not reclaimed.
	srcAfter, err := c.Volume(ctx, src)
	if err != nil {
		return err
	}
	if err := diff("source volume after RelocateCopies", srcBefore, srcAfter); err != nil {
		return err
	}
	left := copiesOf(files[1:2], 2)
	left[0].Volume = src
	onSrc, err := volumeCopies(ctx, c, src)
	if err != nil {
		return err
	}
	onDst, err := volumeCopies(ctx, c, dst)
	if err != nil {
		return err
	}
	twCopies, err := c.Copies(ctx, tw.ID)
	if err != nil {
		return err
	}
	stats, err := c.VolumeStats(ctx, src)
	if err != nil {
		return err
	}
	r, err := c.Check(ctx)
	if err != nil {
		return err
	}
	if err := first(
		diff("VolumeCopies(source) after RelocateCopies", left, onSrc),
		diff("VolumeCopies(destination) after RelocateCopies", moved, onDst),
		diff("Copies after RelocateCopies", []catalog.Copy{moved[2], second}, twCopies),
		diff("VolumeStats(source) after RelocateCopies", catalog.VolumeStats{Copies: 1, CopyBytes: b.Size}, stats),
		diff("Check after RelocateCopies", catalog.Report{}, r, emptyMaps),
	); err != nil {
		return err
	}
	// An empty relocation records a fill level alone, as an empty commit.
	if err := c.RelocateCopies(ctx, dst, nil, 9500, 7); err != nil {
		return fmt.Errorf("RelocateCopies(empty): %w", err)
	}
	if got, err := c.Volume(ctx, dst); err != nil || got.BytesUsed != 9500 || got.LastFileSeq != 7 {
		return fmt.Errorf("destination after an empty RelocateCopies: %d bytes used, last file %d, %v; want 9500 and 7", got.BytesUsed, got.LastFileSeq, err)
	}
	// A relocated copy is deleted and restored from its new place, and a
	// copy may move again, back to the volume it first left.
	if err := c.Delete(ctx, cf.ID, "test"); err != nil {
		return err
	}
	d, err := c.Deleted(ctx, cf.ID)
	if err != nil {
		return err
	}
	if err := diff("Deleted after RelocateCopies", []catalog.Copy{moved[1]}, d.Copies); err != nil {
		return err
	}
	if _, err := c.Undelete(ctx, cf.ID); err != nil {
		return fmt.Errorf("Undelete: %w", err)
	}
	back := catalog.Copy{FileID: a.ID, CopyNo: 1, FileSeq: 5, BlockID: 900, Format: "tapekit-pax-1", Size: 1512}
	if err := c.RelocateCopies(ctx, src, []catalog.Copy{back}, 5000, 5); err != nil {
		return fmt.Errorf("RelocateCopies back to the first volume: %w", err)
	}
	back.Volume = src
	if onDst, err = volumeCopies(ctx, c, dst); err != nil {
		return err
	}
	if onSrc, err = volumeCopies(ctx, c, src); err != nil {
		return err
	}
	return first(
		diff("VolumeCopies(destination) after moves", moved[1:], onDst),
		diff("VolumeCopies(source) after moves", []catalog.Copy{left[0], back}, onSrc),
	)
}

// checkBadRelocations: every rejected relocation leaves the volumes, their
// listings and every copy as they were.
func checkBadRelocations(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 2); err != nil {
		return err
	}
	files, err := create(ctx, c, "/f1", "/f2", "/f3", "/gone")
	if err != nil {
		return err
	}
	f1, f2, f3, gone := files[0], files[1], files[2], files[3]
	const src, dst = "p1V001", "p1V002"
	onSrc := copiesOf([]catalog.File{f1, f2, gone}, 1)
	if err := c.CommitCopies(ctx, src, onSrc, 3000, 3); err != nil {
		return fmt.Errorf("CommitCopies: %w", err)
	}
	if err := c.CommitCopies(ctx, dst, nil, 500, 1); err != nil {
		return fmt.Errorf("CommitCopies(empty): %w", err)
	}
	if err := c.Delete(ctx, gone.ID, "test"); err != nil {
		return err
	}
	if err := c.SetVolumeState(ctx, "p2V001", catalog.StateFull, "end of medium"); err != nil {
		return err
	}
	mv := func(f catalog.File, copyNo, seq int64) catalog.Copy {
		return catalog.Copy{FileID: f.ID, CopyNo: copyNo, FileSeq: seq, BlockID: 10 * seq, Format: "tapekit-pax-2", Size: 77}
	}
	good := mv(f1, 1, 2) // valid on its own: each case adds what is wrong
	with := func(cps ...catalog.Copy) []catalog.Copy { return append([]catalog.Copy{good}, cps...) }
	unknown := mv(f3, 1, 3)
	unknown.FileID = gone.ID + 1000
	copyZero, negSize, otherVol, noFormat := mv(f2, 1, 3), mv(f2, 1, 3), mv(f2, 1, 3), mv(f2, 1, 3)
	copyZero.CopyNo = 0
	negSize.Size = -1
	otherVol.Volume = src
	noFormat.Format = ""
	cases := []struct {
		name      string
		vol       string
		copies    []catalog.Copy
		used, seq int64
		want      error
	}{
		{"unknown volume", "NONE01L9", with(), 600, 2, catalog.ErrUnknownVolume},
		{"volume not writable", "p2V001", []catalog.Copy{mv(f1, 1, 1)}, 600, 1, catalog.ErrVolumeNotWritable},
		{"file without copies", dst, with(mv(f3, 1, 3)), 600, 3, catalog.ErrNotFound},
		{"copy number the file lacks", dst, with(mv(f2, 2, 3)), 600, 3, catalog.ErrNotFound},
		{"unknown file", dst, with(unknown), 600, 3, catalog.ErrNotFound},
		{"deleted file", dst, with(mv(gone, 1, 3)), 600, 3, catalog.ErrNotFound},
		{"copy already on the volume", src, []catalog.Copy{mv(f2, 1, 4), mv(f1, 1, 5)}, 3000, 5, catalog.ErrInvalid},
		{"copy twice", dst, with(mv(f1, 1, 3)), 600, 3, catalog.ErrExists},
		{"file sequence twice", dst, with(mv(f2, 1, 2)), 600, 2, catalog.ErrExists},
		{"file sequence already used", dst, []catalog.Copy{mv(f1, 1, 1)}, 600, 1, catalog.ErrConflict},
		{"file sequence past the new last", dst, with(mv(f2, 1, 4)), 600, 3, catalog.ErrConflict},
		{"fill level going back", dst, with(), 499, 2, catalog.ErrConflict},
		{"last file going back", src, nil, 3000, 2, catalog.ErrConflict},
		{"negative fill level", dst, with(), -1, 2, catalog.ErrInvalidSize},
		{"negative last file", dst, nil, 600, -1, catalog.ErrInvalid},
		{"copy number 0", dst, with(copyZero), 600, 3, catalog.ErrInvalid},
		{"negative copy size", dst, with(negSize), 600, 3, catalog.ErrInvalidSize},
		{"copy for another volume", dst, with(otherVol), 600, 3, catalog.ErrInvalid},
		{"no format", dst, with(noFormat), 600, 3, catalog.ErrInvalid},
	}
	vols := []string{src, dst, "p2V001"}
	ids := []int64{f1.ID, f2.ID, f3.ID}
	before, err := snapshot(ctx, c, vols, ids)
	if err != nil {
		return err
	}
	for _, tc := range cases {
		err := c.RelocateCopies(ctx, tc.vol, tc.copies, tc.used, tc.seq)
		if err := wantErr("RelocateCopies with "+tc.name, err, tc.want); err != nil {
			return err
		}
		after, err := snapshot(ctx, c, vols, ids)
		if err != nil {
			return err
		}
		if err := diff("catalog after a rejected relocation ("+tc.name+")", before, after, emptyMaps); err != nil {
			return err
		}
	}
	// The rejections left nothing behind that would stop the good move.
	if err := c.RelocateCopies(ctx, dst, with(), 600, 2); err != nil {
		return fmt.Errorf("RelocateCopies after rejections: %w", err)
	}
	return nil
}

func checkRemoveCopy(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	two := file("/two", 5)
	two.StorageClass = "two"
	files, err := c.CreateFiles(ctx, []catalog.File{two, file("/one", 6), file("/gone", 7)})
	if err != nil {
		return fmt.Errorf("CreateFiles: %w", err)
	}
	tw, one, gone := files[0], files[1], files[2]
	firsts := copiesOf(files, 1)
	if err := c.CommitCopies(ctx, "p1V001", firsts, 3000, 3); err != nil {
		return err
	}
	second := catalog.Copy{FileID: tw.ID, CopyNo: 2, Volume: "p2V001", FileSeq: 1, Format: "tapekit-pax-1", Size: 600}
	if err := c.CommitCopies(ctx, "p2V001", []catalog.Copy{second}, 600, 1); err != nil {
		return err
	}
	if err := c.Delete(ctx, gone.ID, "test"); err != nil {
		return err
	}
	if err := c.RemoveCopy(ctx, tw.ID, 2, "unreadable"); err != nil {
		return fmt.Errorf("RemoveCopy: %w", err)
	}
	for i := range firsts {
		firsts[i].Volume = "p1V001"
	}
	cps, err := c.Copies(ctx, tw.ID)
	if err != nil {
		return err
	}
	listed, err := volumeCopies(ctx, c, "p2V001")
	if err != nil {
		return err
	}
	v, err := c.Volume(ctx, "p2V001")
	if err != nil {
		return err
	}
	r, err := c.Check(ctx)
	if err != nil {
		return err
	}
	short := catalog.Report{Underreplicated: []catalog.Shortfall{{FileID: tw.ID, Path: tw.Path, Class: "two", Want: 2, Have: 1}}}
	if err := first(
		diff("Copies after RemoveCopy", firsts[:1], cps),
		diff("VolumeCopies after RemoveCopy", []catalog.Copy(nil), listed),
		diff("Check after RemoveCopy", short, r, emptyMaps),
	); err != nil {
		return err
	}
	if v.BytesUsed != 600 || v.LastFileSeq != 1 {
		return fmt.Errorf("volume after RemoveCopy: %d bytes used, last file %d; want them kept, 600 and 1", v.BytesUsed, v.LastFileSeq)
	}
	cases := []struct {
		name       string
		id, copyNo int64
		reason     string
		want       error
	}{
		{"removed twice", tw.ID, 2, "", catalog.ErrNotFound},
		{"copy number the file lacks", one.ID, 2, "", catalog.ErrNotFound},
		{"unknown file", gone.ID + 1000, 1, "", catalog.ErrNotFound},
		{"deleted file", gone.ID, 1, "", catalog.ErrNotFound},
		{"copy number 0", tw.ID, 0, "", catalog.ErrInvalid},
		{"file id 0", 0, 1, "", catalog.ErrInvalid},
		{"reason with NUL", tw.ID, 1, "bad\x00", catalog.ErrInvalid},
		{"reason not UTF-8", tw.ID, 1, "bad\xff", catalog.ErrInvalid},
	}
	vols := []string{"p1V001", "p2V001"}
	ids := []int64{tw.ID, one.ID}
	before, err := snapshot(ctx, c, vols, ids)
	if err != nil {
		return err
	}
	for _, tc := range cases {
		if err := wantErr("RemoveCopy of "+tc.name, c.RemoveCopy(ctx, tc.id, tc.copyNo, tc.reason), tc.want); err != nil {
			return err
		}
		after, err := snapshot(ctx, c, vols, ids)
		if err != nil {
			return err
		}
		if err := diff("catalog after a rejected RemoveCopy ("+tc.name+")", before, after, emptyMaps); err != nil {
			return err
		}
	}
	// The copy number is free again: the file is written anew.
	second.FileSeq = 2
	if err := c.CommitCopies(ctx, "p2V001", []catalog.Copy{second}, 1200, 2); err != nil {
		return fmt.Errorf("CommitCopies of a removed copy's number: %w", err)
	}
	if r, err := c.Check(ctx); err != nil || !r.OK() {
		return fmt.Errorf("Check after the copy was written again = %+v, %v; want OK", r, err)
	}
	// A file whose last copy is removed is deleted without copies.
	if err := c.RemoveCopy(ctx, one.ID, 1, ""); err != nil {
		return fmt.Errorf("RemoveCopy of the only copy: %w", err)
	}
	if err := c.Delete(ctx, one.ID, "test"); err != nil {
		return err
	}
	d, err := c.Deleted(ctx, one.ID)
	if err != nil {
		return err
	}
	if len(d.Copies) != 0 {
		return fmt.Errorf("Deleted after its only copy was removed: copies %v, want none", d.Copies)
	}
	return nil
}
