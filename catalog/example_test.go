package catalog_test

import (
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/catalog"
)

// Errors from a batch name the element that was rejected.
func ExampleValidationError() {
	err := catalog.ValidateFile(catalog.File{Path: "/a/b", StorageClass: "raw",
		Checksums: map[string]string{"crc64": "00"}})
	err = catalog.WithIndex(err, "files", 3)

	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field, errors.Is(err, catalog.ErrUnknownAlgorithm))
	}
	fmt.Println(err)
	// Output:
	// files[3].checksums true
	// catalog: unknown checksum algorithm: files[3].checksums "crc64"
}

func ExampleValidatePath() {
	for _, p := range []string{"/exp/run1/a.dat", "exp/a", "/exp//a", "/exp/../a", ""} {
		fmt.Printf("%q %v\n", p, catalog.ValidatePath(p) == nil)
	}
	// Output:
	// "/exp/run1/a.dat" true
	// "exp/a" false
	// "/exp//a" false
	// "/exp/../a" false
	// "" false
}
