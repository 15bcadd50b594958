//go:build !unix

package simulator

import "os"

// lockDir only opens the lock file where flock is missing: the caller must
// not open one directory from two processes.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}

func unlockDir(f *os.File) { f.Close() }
