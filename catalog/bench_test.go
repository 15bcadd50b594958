package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/postgres"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/internal/pgtest"
)

// TestMain stops the PostgreSQL server the benchmarks start on demand.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// ingestBatch is how many files a writer commits at once: a few minutes
// of small files on one drive.
const ingestBatch = 1000

func openSQLite(b *testing.B, sync string) catalog.Catalog {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), &sqlite.Options{Synchronous: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(b *testing.B) catalog.Catalog {
	srv := pgtest.Require(b)
	ctx := context.Background()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		b.Fatal(err)
	}
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkIngest: targets ≥ 50,000 files/s on SQLite (with the default,
// synchronous=FULL) and ≥ 20,000 files/s on PostgreSQL. sqlite-normal
// shows what synchronous=NORMAL would win. The throwaway PostgreSQL runs
// with fsync off, so its figure is an upper bound for a real server.
func BenchmarkIngest(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		catalogtest.BenchmarkIngest(b, openSQLite(b, sqlite.SyncFull), ingestBatch)
	})
	b.Run("sqlite-normal", func(b *testing.B) {
		catalogtest.BenchmarkIngest(b, openSQLite(b, sqlite.SyncNormal), ingestBatch)
	})
	b.Run("postgres", func(b *testing.B) {
		catalogtest.BenchmarkIngest(b, openPostgres(b), ingestBatch)
	})
}

// BenchmarkVolumeListing: a volume of 100,000 copies in tape order, target
// < 100 ms per listing with bounded memory.
func BenchmarkVolumeListing(b *testing.B) {
	const n = 100_000
	run := func(b *testing.B, c catalog.Catalog) {
		vol, err := catalogtest.FillVolume(context.Background(), c, n)
		if err != nil {
			b.Fatal(err)
		}
		catalogtest.BenchmarkVolumeListing(b, c, vol, n)
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openSQLite(b, sqlite.SyncNormal)) })
	b.Run("postgres", func(b *testing.B) { run(b, openPostgres(b)) })
}
