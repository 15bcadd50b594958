package catalogtest

import (
	"context"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

func checkStats(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 2); err != nil {
		return err
	}
	files, err := create(ctx, c, "/a", "/b", "/c") // sizes 1000, 1001, 1002
	if err != nil {
		return err
	}
	if err := c.CommitCopies(ctx, "p1V001", copiesOf(files, 1), 5000, 3); err != nil {
		return err
	}
	two := copiesOf(files[:1], 1)
	two[0].CopyNo = 2
	if err := c.CommitCopies(ctx, "p2V001", two, 700, 1); err != nil {
		return err
	}
	if err := c.SetVolumeState(ctx, "p2V002", catalog.StateBroken, "snapped"); err != nil {
		return err
	}
	got, err := c.PoolStats(ctx)
	if err != nil {
		return fmt.Errorf("PoolStats: %w", err)
	}
	want := []catalog.PoolStats{
		{Pool: "p1", Volumes: 2, Writable: 2, Capacity: 2 * Capacity, BytesUsed: 5000, Copies: 3, CopyBytes: 3003},
		{Pool: "p2", Volumes: 2, Writable: 1, Capacity: 2 * Capacity, BytesUsed: 700, Copies: 1, CopyBytes: 1000},
	}
	if err := diff("PoolStats", want, got); err != nil {
		return err
	}
	if err := c.Delete(ctx, files[1].ID, "test"); err != nil {
		return err
	}
	vs, err := c.VolumeStats(ctx, "p1V001")
	if err != nil {
		return fmt.Errorf("VolumeStats: %w", err)
	}
	empty, err := c.VolumeStats(ctx, "p1V002")
	if err != nil {
		return fmt.Errorf("VolumeStats: %w", err)
	}
	_, errUnknown := c.VolumeStats(ctx, "NONE01L9")
	return first(
		diff("VolumeStats after a delete", catalog.VolumeStats{Copies: 2, CopyBytes: 2002}, vs),
		diff("VolumeStats of an empty volume", catalog.VolumeStats{}, empty),
		wantErr("VolumeStats unknown", errUnknown, catalog.ErrUnknownVolume),
	)
}

func checkConsistency(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	r, err := c.Check(ctx)
	if err != nil || !r.OK() {
		return fmt.Errorf("Check of an empty catalog = %+v, %v", r, err)
	}
	f := file("/two", 5)
	f.StorageClass = "two"
	files, err := c.CreateFiles(ctx, []catalog.File{file("/one", 4), f})
	if err != nil {
		return err
	}
	if err := c.CommitCopies(ctx, "p1V001", copiesOf(files, 1), 2000, 2); err != nil {
		return err
	}
	r, err = c.Check(ctx)
	if err != nil {
		return fmt.Errorf("Check: %w", err)
	}
	want := catalog.Report{Underreplicated: []catalog.Shortfall{{FileID: files[1].ID, Path: "/two", Class: "two", Want: 2, Have: 1}}}
	if err := diff("Check", want, r, emptyMaps); err != nil {
		return err
	}
	second := copiesOf(files[1:], 1)
	second[0].CopyNo = 2
	if err := c.CommitCopies(ctx, "p2V001", second, 1000, 1); err != nil {
		return err
	}
	r, err = c.Check(ctx)
	if err != nil || !r.OK() {
		return fmt.Errorf("Check with every copy written = %+v, %v; want OK", r, err)
	}
	return nil
}

func checkClosed(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("Close: %w", err)
	}
	_, e1 := c.File(ctx, 1)
	_, e2 := c.CreateFiles(ctx, []catalog.File{file("/x", 1)})
	_, e3 := c.Volume(ctx, "p1V001")
	var e4 error
	for _, err := range c.VolumeCopies(ctx, "p1V001") {
		e4 = err
	}
	_, e5 := c.DeletedFiles(ctx, 0, 0)
	_, e6 := c.PurgeDeleted(ctx, time.Now())
	return first(
		wantErr("File after Close", e1, catalog.ErrClosed),
		wantErr("CreateFiles after Close", e2, catalog.ErrClosed),
		wantErr("Volume after Close", e3, catalog.ErrClosed),
		wantErr("VolumeCopies after Close", e4, catalog.ErrClosed),
		wantErr("CommitCopies after Close", c.CommitCopies(ctx, "p1V001", nil, 1, 1), catalog.ErrClosed),
		wantErr("RelocateCopies after Close", c.RelocateCopies(ctx, "p1V001", nil, 1, 1), catalog.ErrClosed),
		wantErr("RemoveCopy after Close", c.RemoveCopy(ctx, 1, 1, ""), catalog.ErrClosed),
		wantErr("DeletedFiles after Close", e5, catalog.ErrClosed),
		wantErr("PurgeDeleted after Close", e6, catalog.ErrClosed),
		wantErr("Close twice", c.Close(), catalog.ErrClosed),
	)
}
