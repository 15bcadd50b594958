package scheduler_test

import (
	"fmt"
	"hash/adler32"
)

func adler(b []byte) string { return fmt.Sprintf("%08x", adler32.Checksum(b)) }
