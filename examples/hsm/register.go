package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/catalog"
)

// registerConfigured puts the pools and storage classes of cfg in the
// catalog (a pool's description is updated, a class's pools replaced:
// the config is the truth about them) and registers each data cartridge
// of the library that a pool's barcodes match as a blank volume of that
// pool. A cartridge the catalog knows already keeps its pool and contents:
// the config only places new cartridges. It returns the barcodes it did
// not register because no pool claims them or their media type is not
// known (their capacity would be a guess), so that an operator can be
// told.
func registerConfigured(ctx context.Context, cat catalog.Catalog, cfg fileConfig, carts []libraryCartridge) (skipped []string, err error) {
	for _, p := range cfg.Pools {
		if err := cat.PutPool(ctx, catalog.Pool{Name: p.Name, Description: p.Description}); err != nil {
			return nil, fmt.Errorf("pool %s: %w", p.Name, err)
		}
	}
	for _, sc := range cfg.StorageClasses {
		if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: sc.Name, Pools: sc.Pools}); err != nil {
			return nil, fmt.Errorf("storage class %s: %w", sc.Name, err)
		}
	}
	for _, c := range carts {
		pool, ok := cfg.poolFor(c.Barcode)
		if !ok || c.MediaType == "" {
			skipped = append(skipped, c.Barcode)
			continue
		}
		if _, err := cat.Volume(ctx, c.Barcode); err == nil {
			continue
		} else if !errors.Is(err, catalog.ErrUnknownVolume) {
			return nil, err
		}
		v := catalog.Volume{Barcode: c.Barcode, MediaType: c.MediaType, Library: cfg.Library.Name,
			Pool: pool, State: catalog.StateActive, Capacity: c.Capacity}
		if err := cat.AddVolume(ctx, v); err != nil {
			return nil, fmt.Errorf("volume %s: %w", c.Barcode, err)
		}
	}
	return skipped, nil
}
