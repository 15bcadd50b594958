package sqlcat

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// Engine implements catalog.Catalog over a Backend.
type Engine struct {
	b      Backend
	d      Dialect
	now    func() time.Time
	closed atomic.Bool
	fmts   formatCache
}

var _ catalog.Catalog = (*Engine)(nil)

// New migrates the database to the newest schema the dialect knows and
// returns the engine. A database with a newer schema gives
// catalog.ErrSchemaTooNew and is left as it was. now may be nil (time.Now);
// its readings are clamped to [catalog.MinTime, catalog.MaxTime].
func New(ctx context.Context, b Backend, d Dialect, now func() time.Time) (*Engine, error) {
	if now == nil {
		now = time.Now
	}
	e := &Engine{b: b, d: d, now: now}
	if err := e.migrate(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// migrate applies the missing schema steps in one transaction, so a crash
// halfway leaves the old schema, and a schema newer than the code is
// refused before anything is written.
func (e *Engine) migrate(ctx context.Context) error {
	return e.b.Write(ctx, func(tx Tx) error {
		if e.d.MigrationLock != "" {
			if _, err := tx.Exec(ctx, e.d.MigrationLock); err != nil {
				return fmt.Errorf("catalog: lock for migration: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("catalog: create schema_version: %w", err)
		}
		var have int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&have); err != nil {
			return fmt.Errorf("catalog: read schema version: %w", err)
		}
		known := int64(len(e.d.Migrations))
		if have > known {
			return fmt.Errorf("%w: database has schema version %d, this program knows up to %d", catalog.ErrSchemaTooNew, have, known)
		}
		for v := have; v < known; v++ {
			if _, err := tx.Exec(ctx, e.d.Migrations[v]); err != nil {
				return fmt.Errorf("catalog: migrate schema to version %d: %w", v+1, err)
			}
		}
		if have == known {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM schema_version`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, known)
		return err
	})
}

// SchemaVersion returns the schema version recorded in the database.
func (e *Engine) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := e.b.Reader().QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

// Close closes the backend; later calls return catalog.ErrClosed.
func (e *Engine) Close() error {
	if e.closed.Swap(true) {
		return catalog.ErrClosed
	}
	return e.b.Close()
}

func (e *Engine) check() error {
	if e.closed.Load() {
		return catalog.ErrClosed
	}
	return nil
}

// write runs fn in a write transaction after checking the engine is open.
func (e *Engine) write(ctx context.Context, fn func(Tx) error) error {
	if err := e.check(); err != nil {
		return err
	}
	return e.b.Write(ctx, fn)
}

// reader returns the read querier after checking the engine is open.
func (e *Engine) reader() (Querier, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	return e.b.Reader(), nil
}

func (e *Engine) nowNanos() int64 { return clockNanos(e.now()) }
