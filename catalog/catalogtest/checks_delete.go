package catalogtest

import (
	"context"
	"fmt"

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
