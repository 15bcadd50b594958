package repack

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/scheduler"
)

// Staging keeps files between their read and their write: the
// scheduler's Sink for a repack's recalls, and what its archives read.
// The default is a directory (Config.Dir/staging) where a file appears
// only whole, verified and synced; a benchmark on the simulator's fast
// paths plugs in one that keeps no bytes.
type Staging interface {
	scheduler.Sink
	// Open opens a staged file for its write.
	Open(path string) (io.ReadCloser, error)
	// Has reports whether the file of that catalog path is staged whole,
	// size bytes.
	Has(path string, size int64) bool
	// Remove forgets a staged file; one that is not there is no error.
	Remove(path string) error
	// Close releases the staging.
	Close() error
}

// dirStaging is the default Staging: a scheduler.DirSink over a
// directory, read and cleaned through an os.Root.
type dirStaging struct {
	*scheduler.DirSink
	root *os.Root
}

func newDirStaging(dir string, clk clock.Clock) (*dirStaging, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sink, err := scheduler.NewDirSink(dir, &scheduler.DirSinkOptions{Clock: clk})
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		sink.Close()
		return nil, err
	}
	return &dirStaging{DirSink: sink, root: root}, nil
}

// name is where the DirSink keeps a file of that catalog path.
func name(path string) string { return filepath.FromSlash(strings.TrimLeft(path, "/")) }

func (s *dirStaging) Open(path string) (io.ReadCloser, error) { return s.root.Open(name(path)) }

func (s *dirStaging) Has(path string, size int64) bool {
	fi, err := s.root.Stat(name(path))
	return err == nil && fi.Mode().IsRegular() && fi.Size() == size
}

func (s *dirStaging) Remove(path string) error {
	if err := s.root.Remove(name(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (s *dirStaging) Close() error {
	s.root.Close()
	return s.DirSink.Close()
}
