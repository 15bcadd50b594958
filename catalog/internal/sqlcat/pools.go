package sqlcat

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/catalog"
)

// PutPool implements catalog.Catalog.
func (e *Engine) PutPool(ctx context.Context, p catalog.Pool) error {
	if err := catalog.ValidatePool(p); err != nil {
		return err
	}
	return e.write(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO pools (name, description) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET description = excluded.description`, p.Name, p.Description)
		return err
	})
}

// Pools implements catalog.Catalog.
func (e *Engine) Pools(ctx context.Context) ([]catalog.Pool, error) {
	q, err := e.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT name, description FROM pools ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s scanner) (catalog.Pool, error) {
		var p catalog.Pool
		err := s.Scan(&p.Name, &p.Description)
		return p, err
	})
}

func poolExists(ctx context.Context, q Querier, name string) (bool, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM pools WHERE name = $1`, name).Scan(&n)
	return n > 0, err
}

// PutStorageClass implements catalog.Catalog.
func (e *Engine) PutStorageClass(ctx context.Context, c catalog.StorageClass) error {
	if err := catalog.ValidateStorageClass(c); err != nil {
		return err
	}
	return e.write(ctx, func(tx Tx) error {
		for _, p := range c.Pools {
			ok, err := poolExists(ctx, tx, p)
			if err != nil {
				return err
			}
			if !ok {
				return &catalog.ValidationError{Field: "pools", Value: p, Err: catalog.ErrUnknownPool}
			}
		}
		// DO UPDATE, not DO NOTHING: it locks the class row, so two hosts
		// putting one class queue here instead of both replacing its pools
		// and colliding on their keys.
		if _, err := tx.Exec(ctx, `INSERT INTO storage_classes (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name`, c.Name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM storage_class_pools WHERE class = $1`, c.Name); err != nil {
			return err
		}
		for i, p := range c.Pools {
			if _, err := tx.Exec(ctx, `INSERT INTO storage_class_pools (class, copy_no, pool) VALUES ($1, $2, $3)`, c.Name, i+1, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// StorageClass implements catalog.Catalog.
func (e *Engine) StorageClass(ctx context.Context, name string) (catalog.StorageClass, error) {
	q, err := e.reader()
	if err != nil {
		return catalog.StorageClass{}, err
	}
	if !storable(name) {
		return catalog.StorageClass{}, fmt.Errorf("%w: %q", catalog.ErrUnknownStorageClass, name)
	}
	rows, err := q.Query(ctx, `SELECT pool FROM storage_class_pools WHERE class = $1 ORDER BY copy_no`, name)
	if err != nil {
		return catalog.StorageClass{}, err
	}
	pools, err := collect(rows, func(s scanner) (string, error) {
		var p string
		err := s.Scan(&p)
		return p, err
	})
	if err != nil {
		return catalog.StorageClass{}, err
	}
	if len(pools) == 0 {
		return catalog.StorageClass{}, fmt.Errorf("%w: %q", catalog.ErrUnknownStorageClass, name)
	}
	return catalog.StorageClass{Name: name, Pools: pools}, nil
}

var _ catalog.StorageClassLister = (*Engine)(nil)

// StorageClasses implements catalog.StorageClassLister.
func (e *Engine) StorageClasses(ctx context.Context) ([]catalog.StorageClass, error) {
	q, err := e.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT class, pool FROM storage_class_pools ORDER BY class, copy_no`)
	if err != nil {
		return nil, err
	}
	type pair struct{ class, pool string }
	ps, err := collect(rows, func(s scanner) (pair, error) {
		var p pair
		err := s.Scan(&p.class, &p.pool)
		return p, err
	})
	if err != nil {
		return nil, err
	}
	var out []catalog.StorageClass
	for _, p := range ps {
		if len(out) == 0 || out[len(out)-1].Name != p.class {
			out = append(out, catalog.StorageClass{Name: p.class})
		}
		out[len(out)-1].Pools = append(out[len(out)-1].Pools, p.pool)
	}
	return out, nil
}
