package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/internal/pgtest"
	"github.com/tapekit/tapekit/catalog/postgres"
)

func TestSchemaTooNew(t *testing.T) {
	srv := pgtest.Require(t)
	ctx := context.Background()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != postgres.SchemaVersion || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, postgres.SchemaVersion)
	}
	if err := db.PutPool(ctx, catalog.Pool{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, dsn, nil); !errors.Is(err, catalog.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
	var got int
	var pools int
	if err := conn.QueryRow(ctx, `SELECT version, (SELECT COUNT(*) FROM pools) FROM schema_version`).Scan(&got, &pools); err != nil {
		t.Fatal(err)
	}
	if got != postgres.SchemaVersion+1 || pools != 1 {
		t.Fatalf("after refused Open: version %d, %d pools; want %d and 1", got, pools, postgres.SchemaVersion+1)
	}
}
