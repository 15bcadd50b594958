package catalog_test

import (
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tapekit/tapekit/catalog"
)

// FuzzValidatePath: paths come from users and from tapes being scanned
// back into a catalog. An accepted path must be clean in every sense the
// listings rely on.
func FuzzValidatePath(f *testing.F) {
	for _, s := range []string{"/a/b", "", "/", "//", "/a/../b", "/\xff", "/é/x", "/a/", "/a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if catalog.ValidatePath(p) != nil {
			return
		}
		if !utf8.ValidString(p) || strings.IndexByte(p, 0) >= 0 || len(p) > catalog.MaxPathLen {
			t.Fatalf("accepted %q", p)
		}
		if path.Clean(p) != p || p == "/" {
			t.Fatalf("accepted unclean %q (clean %q)", p, path.Clean(p))
		}
	})
}
