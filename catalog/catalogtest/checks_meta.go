package catalogtest

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/catalog"
)

func checkPoolsAndClasses(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	if err := c.PutPool(ctx, catalog.Pool{Name: "p2", Description: "second copies"}); err != nil {
		return fmt.Errorf("PutPool update: %w", err)
	}
	pools, err := c.Pools(ctx)
	if err != nil {
		return fmt.Errorf("Pools: %w", err)
	}
	if err := diff("Pools", []catalog.Pool{{Name: "p1", Description: "first copies"}, {Name: "p2", Description: "second copies"}}, pools); err != nil {
		return err
	}
	sc, err := c.StorageClass(ctx, "two")
	if err != nil {
		return fmt.Errorf("StorageClass: %w", err)
	}
	if err := diff("StorageClass", catalog.StorageClass{Name: "two", Pools: []string{"p1", "p2"}}, sc); err != nil {
		return err
	}
	if err := c.PutStorageClass(ctx, catalog.StorageClass{Name: "two", Pools: []string{"p2"}}); err != nil {
		return fmt.Errorf("PutStorageClass replace: %w", err)
	}
	if sc, err = c.StorageClass(ctx, "two"); err != nil || sc.Copies() != 1 || sc.Pools[0] != "p2" {
		return fmt.Errorf("StorageClass after replace = %+v, %v; want pools [p2]", sc, err)
	}
	_, err = c.StorageClass(ctx, "none")
	return first(
		wantErr("StorageClass(none)", err, catalog.ErrUnknownStorageClass),
		wantValidation("PutStorageClass unknown pool", c.PutStorageClass(ctx, catalog.StorageClass{Name: "x", Pools: []string{"p1", "p9"}}), catalog.ErrUnknownPool),
		wantValidation("PutStorageClass no pools", c.PutStorageClass(ctx, catalog.StorageClass{Name: "x"}), catalog.ErrInvalid),
		wantValidation("PutPool empty name", c.PutPool(ctx, catalog.Pool{}), catalog.ErrInvalid),
		wantErr("StorageClass(x) after failed puts", func() error { _, err := c.StorageClass(ctx, "x"); return err }(), catalog.ErrUnknownStorageClass),
	)
}

func checkVolumes(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	v := volume("ABC123L9", "p1")
	v.BytesUsed, v.LastFileSeq, v.Mounts = 10, 2, 3
	if err := c.AddVolume(ctx, v); err != nil {
		return fmt.Errorf("AddVolume: %w", err)
	}
	got, err := c.Volume(ctx, "ABC123L9")
	if err != nil {
		return fmt.Errorf("Volume: %w", err)
	}
	if err := diff("Volume", v, got, volumeTimes); err != nil {
		return err
	}
	if got.Created.IsZero() || got.StateChanged.IsZero() {
		return fmt.Errorf("Volume: Created %v, StateChanged %v: want the catalog's clock", got.Created, got.StateChanged)
	}
	bad := volume("BAD001L9", "p1")
	bad.Capacity = -1
	neg := volume("NEG001L9", "p1")
	neg.BytesUsed = -5
	state := volume("STA001L9", "p1")
	state.State = "lost"
	_, errUnknown := c.Volume(ctx, "NONE01L9")
	if err := first(
		wantValidation("AddVolume duplicate", c.AddVolume(ctx, v), catalog.ErrExists),
		wantValidation("AddVolume unknown pool", c.AddVolume(ctx, volume("XYZ001L9", "p9")), catalog.ErrUnknownPool),
		wantValidation("AddVolume negative capacity", c.AddVolume(ctx, bad), catalog.ErrInvalidSize),
		wantValidation("AddVolume negative bytes used", c.AddVolume(ctx, neg), catalog.ErrInvalidSize),
		wantValidation("AddVolume bad state", c.AddVolume(ctx, state), catalog.ErrInvalid),
		wantValidation("AddVolume empty barcode", c.AddVolume(ctx, volume("", "p1")), catalog.ErrInvalid),
		wantErr("Volume unknown", errUnknown, catalog.ErrUnknownVolume),
		wantErr("SetVolumeState unknown", c.SetVolumeState(ctx, "NONE01L9", catalog.StateFull, "x"), catalog.ErrUnknownVolume),
		wantErr("SetVolumeState bad state", c.SetVolumeState(ctx, "ABC123L9", "lost", "x"), catalog.ErrInvalid),
		wantErr("RecordMount unknown", c.RecordMount(ctx, "NONE01L9", 0), catalog.ErrUnknownVolume),
		wantErr("RecordMount negative", c.RecordMount(ctx, "ABC123L9", -1), catalog.ErrInvalid),
	); err != nil {
		return err
	}
	for _, b := range []string{"BAD001L9", "NEG001L9", "STA001L9", "XYZ001L9"} {
		if _, err := c.Volume(ctx, b); !errorsIs(err, catalog.ErrUnknownVolume) {
			return fmt.Errorf("rejected volume %s exists after AddVolume failed: %v", b, err)
		}
	}
	if err := c.SetVolumeState(ctx, "ABC123L9", catalog.StateReadOnly, "operator: checking label"); err != nil {
		return fmt.Errorf("SetVolumeState: %w", err)
	}
	if err := c.RecordMount(ctx, "ABC123L9", 2); err != nil {
		return fmt.Errorf("RecordMount: %w", err)
	}
	if err := c.RecordMount(ctx, "ABC123L9", 0); err != nil {
		return fmt.Errorf("RecordMount: %w", err)
	}
	got, err = c.Volume(ctx, "ABC123L9")
	if err != nil {
		return fmt.Errorf("Volume: %w", err)
	}
	v.State, v.StateReason, v.Mounts, v.Errors = catalog.StateReadOnly, "operator: checking label", 5, 2
	if err := diff("Volume after state change and mounts", v, got, volumeTimes); err != nil {
		return err
	}
	if got.LastMounted.IsZero() {
		return fmt.Errorf("LastMounted not set by RecordMount")
	}
	return nil
}
