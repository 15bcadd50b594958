package catalog_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

func TestValidateChecksum(t *testing.T) {
	tests := []struct {
		alg, val string
		want     error
	}{
		{"adler32", "0a0b0c0d", nil},
		{"adler32z", "00000001", nil},
		{"crc32c", "ffffffff", nil},
		{"crc32", "12345678", nil},
		{"xxh64", strings.Repeat("a", 16), nil},
		{"md5", strings.Repeat("b", 32), nil},
		{"sha1", strings.Repeat("c", 40), nil},
		{"sha256", strings.Repeat("d", 64), nil},
		{"sha256", strings.Repeat("d", 63), catalog.ErrInvalidChecksum},
		{"adler32", "0A0B0C0D", catalog.ErrInvalidChecksum},
		{"adler32", "0a0b0c0g", catalog.ErrInvalidChecksum},
		{"ADLER32", "0a0b0c0d", catalog.ErrUnknownAlgorithm},
		{"crc64", "0000000000000000", catalog.ErrUnknownAlgorithm},
		{"", "", catalog.ErrUnknownAlgorithm},
	}
	for _, tc := range tests {
		err := catalog.ValidateChecksum(tc.alg, tc.val)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("ValidateChecksum(%q, %q) = %v, want %v", tc.alg, tc.val, err, tc.want)
		}
	}
	if got := len(catalog.Algorithms()); got != 8 {
		t.Errorf("Algorithms() has %d names, want 8", got)
	}
}

func TestValidatePath(t *testing.T) {
	good := []string{"/a", "/a/b.c", "/\u00e9t\u00e9/x y", "/a/.hidden", "/a/...", "/" + strings.Repeat("x", catalog.MaxPathLen-1)}
	bad := []string{"", "/", "a", "/a/", "//a", "/a//b", "/./a", "/a/..", "/a\x00", "/\xff", "/" + strings.Repeat("x", catalog.MaxPathLen)}
	for _, p := range good {
		if err := catalog.ValidatePath(p); err != nil {
			t.Errorf("ValidatePath(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range bad {
		if err := catalog.ValidatePath(p); !errors.Is(err, catalog.ErrInvalidPath) {
			t.Errorf("ValidatePath(%q) = %v, want ErrInvalidPath", p, err)
		}
	}
}

func TestValidateTime(t *testing.T) {
	good := []time.Time{{}, time.Unix(0, 0), time.Unix(0, -1), catalog.MinTime, catalog.MaxTime, time.Now()}
	bad := []time.Time{catalog.MinTime.Add(-time.Nanosecond), catalog.MaxTime.Add(time.Nanosecond),
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}.Add(1)}
	for _, tm := range good {
		if err := catalog.ValidateTime("modified", tm); err != nil {
			t.Errorf("ValidateTime(%v) = %v, want nil", tm, err)
		}
	}
	for _, tm := range bad {
		err := catalog.ValidateTime("modified", tm)
		var ve *catalog.ValidationError
		if !errors.Is(err, catalog.ErrInvalid) || !errors.As(err, &ve) || ve.Field != "modified" {
			t.Errorf("ValidateTime(%v) = %v, want a ValidationError of modified wrapping ErrInvalid", tm, err)
		}
	}
	f := catalog.File{Path: "/a", StorageClass: "one", Modified: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := catalog.ValidateFile(f); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("ValidateFile with Modified in 2300 = %v, want ErrInvalid", err)
	}
	v := catalog.Volume{Barcode: "V1", Pool: "p1", State: catalog.StateActive, LastWritten: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := catalog.ValidateVolume(v); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("ValidateVolume with LastWritten in 1600 = %v, want ErrInvalid", err)
	}
}
