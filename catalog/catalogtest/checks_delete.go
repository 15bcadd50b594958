package catalogtest

import (
	"context"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

func checkDeleteUndelete(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	files, err := create(ctx, c, "/keep", "/gone")
	if err != nil {
		return err
	}
	cps := copiesOf(files, 1)
	if err := c.CommitCopies(ctx, "p1V001", cps, 2000, 2); err != nil {
		return err
	}
	gone := files[1]
	if err := c.Delete(ctx, gone.ID, "user request"); err != nil {
		return fmt.Errorf("Delete: %w", err)
	}
	_, e1 := c.File(ctx, gone.ID)
	_, e2 := c.FileByPath(ctx, gone.Path)
	if err := first(wantErr("File after Delete", e1, catalog.ErrNotFound), wantErr("FileByPath after Delete", e2, catalog.ErrNotFound),
		wantErr("Delete twice", c.Delete(ctx, gone.ID, "again"), catalog.ErrNotFound)); err != nil {
		return err
	}
	d, err := c.Deleted(ctx, gone.ID)
	if err != nil {
		return fmt.Errorf("Deleted: %w", err)
	}
	wantCopy := cps[1]
	wantCopy.Volume = "p1V001"
	if err := diff("Deleted", catalog.Deletion{File: gone, Copies: []catalog.Copy{wantCopy}, Reason: "user request", DeletedAt: d.DeletedAt}, d, emptyMaps); err != nil {
		return err
	}
	if d.DeletedAt.IsZero() {
		return fmt.Errorf("Deleted: DeletedAt not set")
	}
	listed, err := volumeCopies(ctx, c, "p1V001")
	if err != nil || len(listed) != 1 || listed[0].FileID != files[0].ID {
		return fmt.Errorf("VolumeCopies after Delete = %v, %v; want only the kept file's copy", listed, err)
	}
	// The path is free again; while a new file holds it, undelete fails.
	again, err := create(ctx, c, "/gone")
	if err != nil {
		return err
	}
	if again[0].ID <= gone.ID {
		return fmt.Errorf("a new file got id %d, not above the deleted newest file's %d", again[0].ID, gone.ID)
	}
	_, err = c.Undelete(ctx, gone.ID)
	if err := wantValidation("Undelete onto a taken path", err, catalog.ErrExists); err != nil {
		return err
	}
	if _, err := c.Deleted(ctx, gone.ID); err != nil {
		return fmt.Errorf("recycle-log entry lost by a failed Undelete: %w", err)
	}
	if err := c.Delete(ctx, again[0].ID, "make room"); err != nil {
		return err
	}
	back, err := c.Undelete(ctx, gone.ID)
	if err != nil {
		return fmt.Errorf("Undelete: %w", err)
	}
	if err := diff("Undelete", gone, back, emptyMaps); err != nil {
		return err
	}
	got, err := c.File(ctx, gone.ID)
	if err != nil {
		return fmt.Errorf("File after Undelete: %w", err)
	}
	restored, err := c.Copies(ctx, gone.ID)
	if err != nil {
		return err
	}
	// A volume listing shows the restored copy as it was: on SQLite this is
	// the path where the listing record is computed, not stored.
	after, err := volumeCopies(ctx, c, wantCopy.Volume)
	if err != nil {
		return fmt.Errorf("VolumeCopies after Undelete: %w", err)
	}
	var relisted []catalog.Copy
	for _, cp := range after {
		if cp.FileID == gone.ID {
			relisted = append(relisted, cp)
		}
	}
	// The newest id ever handed out is in the recycle log now; a new
	// file still gets a higher one.
	later, err := create(ctx, c, "/later")
	if err != nil {
		return err
	}
	if later[0].ID <= again[0].ID {
		return fmt.Errorf("a new file got id %d, not above the deleted newest file's %d", later[0].ID, again[0].ID)
	}
	_, e3 := c.Deleted(ctx, gone.ID)
	_, e4 := c.Undelete(ctx, 999999)
	return first(
		diff("VolumeCopies after Undelete", []catalog.Copy{wantCopy}, relisted),
		diff("File after Undelete", gone, got, emptyMaps),
		diff("Copies after Undelete", []catalog.Copy{wantCopy}, restored),
		wantErr("Deleted after Undelete", e3, catalog.ErrNotFound),
		wantErr("Undelete unknown", e4, catalog.ErrNotFound),
		wantErr("Delete unknown", c.Delete(ctx, 999999, ""), catalog.ErrNotFound),
	)
}

// allDeleted pages through the whole recycle log with DeletedFiles,
// checking each page against the contract: at most limit entries, in id
// order after the cursor, and Next the last id or 0 on the last page.
func allDeleted(ctx context.Context, c catalog.Catalog, limit int) ([]catalog.Deletion, error) {
	var out []catalog.Deletion
	var cursor int64
	for pages := 0; ; pages++ {
		p, err := c.DeletedFiles(ctx, cursor, limit)
		if err != nil {
			return nil, fmt.Errorf("DeletedFiles(%d, %d): %w", cursor, limit, err)
		}
		if limit > 0 && len(p.Deletions) > limit {
			return nil, fmt.Errorf("DeletedFiles returned %d entries, limit %d", len(p.Deletions), limit)
		}
		for _, d := range p.Deletions {
			if d.File.ID <= cursor {
				return nil, fmt.Errorf("DeletedFiles after %d returned file %d", cursor, d.File.ID)
			}
			cursor = d.File.ID
		}
		out = append(out, p.Deletions...)
		switch {
		case p.Next == 0:
			return out, nil
		case len(p.Deletions) == 0 || pages > 1_000_000:
			return nil, fmt.Errorf("DeletedFiles returned an empty page with next cursor %d", p.Next)
		case p.Next != cursor:
			return nil, fmt.Errorf("DeletedFiles: next cursor %d, want the page's last id %d", p.Next, cursor)
		}
	}
}

func checkDeletedFiles(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	if p, err := c.DeletedFiles(ctx, 0, 0); err != nil || len(p.Deletions) != 0 || p.Next != 0 {
		return fmt.Errorf("DeletedFiles of an empty log = %+v, %v; want an empty last page", p, err)
	}
	files, err := create(ctx, c, "/d0", "/d1", "/d2", "/d3", "/live")
	if err != nil {
		return err
	}
	// d1 has one copy, d3 two on two volumes, d0 and d2 none.
	cps := copiesOf([]catalog.File{files[1], files[3]}, 1)
	if err := c.CommitCopies(ctx, "p1V001", cps, 2000, 2); err != nil {
		return err
	}
	cp2 := catalog.Copy{FileID: files[3].ID, CopyNo: 2, FileSeq: 1, BlockID: 5, Format: "cta-ansi", Size: 9}
	if err := c.CommitCopies(ctx, "p2V001", []catalog.Copy{cp2}, 100, 1); err != nil {
		return err
	}
	// Deleted out of id order: the log is listed by id.
	for _, i := range []int{3, 1, 0, 2} {
		if err := c.Delete(ctx, files[i].ID, fmt.Sprintf("reason %d", i)); err != nil {
			return err
		}
	}
	var want []catalog.Deletion
	for _, f := range files[:4] {
		d, err := c.Deleted(ctx, f.ID)
		if err != nil {
			return fmt.Errorf("Deleted: %w", err)
		}
		want = append(want, d)
	}
	if len(want[3].Copies) != 2 || len(want[1].Copies) != 1 || want[3].Copies[1].Volume != "p2V001" {
		return fmt.Errorf("Deleted lost copies: %+v", want)
	}
	for _, limit := range []int{0, -1, 1, 2, 3, 4, 5} {
		got, err := allDeleted(ctx, c, limit)
		if err != nil {
			return err
		}
		if err := diff(fmt.Sprintf("DeletedFiles in pages of %d", limit), want, got, emptyMaps); err != nil {
			return err
		}
	}
	// A page starts after the cursor, whether or not the cursor is an id
	// in the log.
	p, err := c.DeletedFiles(ctx, files[1].ID, 0)
	if err != nil {
		return err
	}
	if err := diff("DeletedFiles after the second entry", catalog.DeletedPage{Deletions: want[2:]}, p, emptyMaps); err != nil {
		return err
	}
	for _, cursor := range []int64{files[3].ID, files[4].ID, files[4].ID + 1000} {
		p, err := c.DeletedFiles(ctx, cursor, 2)
		if err != nil || len(p.Deletions) != 0 || p.Next != 0 {
			return fmt.Errorf("DeletedFiles after the last entry (%d) = %+v, %v; want an empty last page", cursor, p, err)
		}
	}
	_, err = c.DeletedFiles(ctx, -1, 2)
	if err := wantValidation("DeletedFiles with a negative cursor", err, catalog.ErrInvalid); err != nil {
		return err
	}
	// Undelete takes the entry out of the log.
	if _, err := c.Undelete(ctx, files[1].ID); err != nil {
		return fmt.Errorf("Undelete: %w", err)
	}
	got, err := allDeleted(ctx, c, 2)
	if err != nil {
		return err
	}
	return diff("DeletedFiles after Undelete", []catalog.Deletion{want[0], want[2], want[3]}, got, emptyMaps)
}

func checkPurgeDeleted(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	files, err := create(ctx, c, "/p0", "/p1", "/p2", "/p3", "/live")
	if err != nil {
		return err
	}
	if err := c.CommitCopies(ctx, "p1V001", copiesOf(files, 1), 5000, 5); err != nil {
		return err
	}
	for i, f := range files[:4] {
		if i == 2 {
			// Later deletions get a later time, on a clock that moves.
			time.Sleep(5 * time.Millisecond)
		}
		if err := c.Delete(ctx, f.ID, "test"); err != nil {
			return err
		}
	}
	log, err := allDeleted(ctx, c, 0)
	if err != nil {
		return err
	}
	if len(log) != 4 {
		return fmt.Errorf("recycle log has %d entries, want 4", len(log))
	}
	// Purging needs entries on both sides of a time, by the catalog's own
	// clock.
	split := log[1].DeletedAt.Add(time.Nanosecond)
	for _, d := range log {
		if d.DeletedAt.IsZero() {
			return fmt.Errorf("recycle-log entry %d has no deletion time", d.File.ID)
		}
	}
	if !log[0].DeletedAt.Before(split) || log[2].DeletedAt.Before(split) || log[3].DeletedAt.Before(split) {
		return fmt.Errorf("deletion times %v: the catalog's clock did not advance over 5 ms", []time.Time{log[0].DeletedAt, log[1].DeletedAt, log[2].DeletedAt, log[3].DeletedAt})
	}
	purge := func(before time.Time, want int64) error {
		n, err := c.PurgeDeleted(ctx, before)
		if err != nil {
			return fmt.Errorf("PurgeDeleted(%v): %w", before, err)
		}
		if n != want {
			return fmt.Errorf("PurgeDeleted(%v) purged %d files, want %d", before, n, want)
		}
		return nil
	}
	// Nothing is older than the zero time or the oldest entry.
	if err := first(purge(time.Time{}, 0), purge(log[0].DeletedAt, 0)); err != nil {
		return err
	}
	if err := purge(split, 2); err != nil {
		return err
	}
	got, err := allDeleted(ctx, c, 0)
	if err != nil {
		return err
	}
	if err := diff("recycle log after a purge", log[2:], got, emptyMaps); err != nil {
		return err
	}
	_, e1 := c.Deleted(ctx, files[0].ID)
	_, e2 := c.Undelete(ctx, files[1].ID)
	if err := first(wantErr("Deleted of a purged file", e1, catalog.ErrNotFound), wantErr("Undelete of a purged file", e2, catalog.ErrNotFound)); err != nil {
		return err
	}
	// Live files and the entries kept are untouched: one comes back with
	// its copy.
	live, err := c.Copies(ctx, files[4].ID)
	if err != nil {
		return err
	}
	if _, err := c.Undelete(ctx, files[2].ID); err != nil {
		return fmt.Errorf("Undelete of an entry a purge kept: %w", err)
	}
	restored, err := c.Copies(ctx, files[2].ID)
	if err != nil {
		return err
	}
	all := copiesOf(files, 1)
	for i := range all {
		all[i].Volume = "p1V001"
	}
	if err := first(
		diff("Copies of a live file after a purge", all[4:], live),
		diff("Copies of an entry undeleted after a purge", all[2:3], restored),
	); err != nil {
		return err
	}
	// A time past what nanoseconds since 1970 hold purges everything.
	if err := first(purge(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), 1), purge(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), 0)); err != nil {
		return err
	}
	if got, err = allDeleted(ctx, c, 0); err != nil || len(got) != 0 {
		return fmt.Errorf("recycle log after purging everything = %v, %v; want empty", got, err)
	}
	r, err := c.Check(ctx)
	if err != nil {
		return err
	}
	if len(r.FilelessCopies) != 0 || len(r.OrphanCopies) != 0 {
		return fmt.Errorf("Check after purges: %+v", r)
	}
	return nil
}

// checkNoIDReuseAfterPurge: purging the recycle log forgets files, not the
// ids handed out. A catalog that picks the next id from the ids it still
// holds, live or deleted, reuses the purged newest one.
func checkNoIDReuseAfterPurge(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	files, err := create(ctx, c, "/a", "/b", "/c")
	if err != nil {
		return err
	}
	highest := files[2].ID
	used := map[int64]bool{}
	for _, f := range files {
		used[f.ID] = true
	}
	forever := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	fresh := func(what string, ids ...int64) error {
		for _, id := range ids {
			if used[id] || id <= highest {
				return fmt.Errorf("%s: a new file got id %d; ids used so far go up to %d", what, id, highest)
			}
			used[id] = true
			highest = id
		}
		return nil
	}
	// The newest file, and one before it, are deleted and purged.
	for _, f := range files[1:] {
		if err := c.Delete(ctx, f.ID, "test"); err != nil {
			return err
		}
	}
	if n, err := c.PurgeDeleted(ctx, forever); err != nil || n != 2 {
		return fmt.Errorf("PurgeDeleted = %d, %v; want 2", n, err)
	}
	more, err := create(ctx, c, "/b", "/c", "/d")
	if err != nil {
		return err
	}
	if err := fresh("after purging the newest file", more[0].ID, more[1].ID, more[2].ID); err != nil {
		return err
	}
	// Every file is gone, live or deleted: nothing the catalog holds
	// remembers an id.
	for _, f := range append(files[:1], more...) {
		if err := c.Delete(ctx, f.ID, "test"); err != nil {
			return err
		}
	}
	if n, err := c.PurgeDeleted(ctx, forever); err != nil || n != 4 {
		return fmt.Errorf("PurgeDeleted = %d, %v; want 4", n, err)
	}
	last, err := create(ctx, c, "/a", "/d")
	if err != nil {
		return err
	}
	return fresh("after purging every file", last[0].ID, last[1].ID)
}
