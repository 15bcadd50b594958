package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/postgres"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

// openCatalog opens the catalog a -catalog flag names: a postgres:// or
// postgresql:// connection string, else a SQLite file (which must exist).
func openCatalog(ctx context.Context, name string) (catalog.Catalog, func() error, error) {
	if name == "" {
		return nil, nil, usagef("name the catalog with -catalog FILE (SQLite) or -catalog postgres://…")
	}
	if strings.HasPrefix(name, "postgres://") || strings.HasPrefix(name, "postgresql://") {
		db, err := postgres.Open(ctx, name, nil)
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	// sqlite.Open would create a missing file: a typo must not look like
	// an empty catalog.
	if _, err := os.Stat(name); err != nil {
		return nil, nil, fmt.Errorf("catalog %s: %w", name, err)
	}
	db, err := sqlite.Open(ctx, name, nil)
	if err != nil {
		return nil, nil, err
	}
	return db, db.Close, nil
}

// catalogFlags defines the -catalog and -json flags verify and check
// share.
func catalogFlags(fs *flag.FlagSet) (catName *string, asJSON *bool) {
	catName = fs.String("catalog", "", "the catalog: a SQLite `FILE` or a postgres:// connection string")
	asJSON = fs.Bool("json", false, "print the report as JSON")
	return catName, asJSON
}

// printJSON prints v indented, as the other commands' -json does.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
