package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

func TestConformance(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := 0
	err := catalogtest.TestCatalog(ctx, func() (catalog.Catalog, error) {
		n++
		return sqlite.Open(ctx, filepath.Join(dir, "c"+string(rune('a'+n))+".db"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
}
