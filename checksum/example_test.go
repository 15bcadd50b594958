package checksum_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tapekit/tapekit/checksum"
)

// Checksum a stream with several algorithms in one pass, as it is copied.
func ExampleSet() {
	set, err := checksum.NewSet([]string{"adler32", "crc32c", "md5"}, nil)
	if err != nil {
		panic(err)
	}
	defer set.Close()
	if _, err := io.Copy(io.Discard, checksum.NewReader(strings.NewReader("Wikipedia"), set)); err != nil {
		panic(err)
	}
	for _, v := range set.Sum() {
		fmt.Println(v.Algorithm, v.Hex())
	}
	// Output:
	// adler32 11e60398
	// crc32c 2d0e3663
	// md5 9c677286866aad38f8e9b660f5411814
}

// A recall whose data does not match the catalog is reported at the end of
// the stream instead of io.EOF.
func ExampleNewVerifyingReader() {
	want, _ := checksum.ParseHex("adler32", "11e60398") // from the catalog
	r, err := checksum.NewVerifyingReader(strings.NewReader("Wikipedia, corrupted"), want)
	if err != nil {
		panic(err)
	}
	_, err = io.Copy(io.Discard, r)
	var me *checksum.MismatchError
	if errors.As(err, &me) {
		fmt.Printf("bad recall: %s expected %x, got %x\n", me.Algorithm, me.Expected, me.Actual)
	}
	// Output:
	// bad recall: adler32 expected 11e60398, got 4fe207bc
}

// Enstore stores zero-seeded Adler-32 checksums; convert them to the
// standard form with the file length.
func ExampleAdler32ZeroToStandard() {
	const enstore = 0x03d60194 // adler32z of "Wiki"
	fmt.Printf("%08x\n", checksum.Adler32ZeroToStandard(enstore, 4))
	// Output: 03da0195
}

// Join the checksums of two chunks hashed separately.
func ExampleCombine() {
	sum := func(s string) checksum.Value {
		h, _ := checksum.New("adler32")
		h.Write([]byte(s))
		return checksum.Value{Algorithm: "adler32", Bytes: h.Sum(nil)}
	}
	whole, err := checksum.Combine(sum("Wiki"), sum("pedia"), int64(len("pedia")))
	if err != nil {
		panic(err)
	}
	fmt.Println(whole.Hex(), whole.Equal(sum("Wikipedia")))
	// Output: 11e60398 true
}

// Produce and read the RFC 9530 Repr-Digest field.
func ExampleFormatReprDigest() {
	h, _ := checksum.New("sha256")
	h.Write([]byte(`{"hello": "world"}`))
	field, _ := checksum.FormatReprDigest(checksum.Value{Algorithm: "sha256", Bytes: h.Sum(nil)})
	fmt.Println("Repr-Digest:", field)
	vals, _ := checksum.ParseReprDigest(field)
	fmt.Println(vals[0].Algorithm, vals[0].Hex()[:16])
	// Output:
	// Repr-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:
	// sha256 5f8f04f6a3a892aa
}
