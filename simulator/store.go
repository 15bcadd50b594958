package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// blob holds the data bytes of one cartridge. The memory blob keeps them in
// fixed-size chunks; the file blob in one file per cartridge in the library
// directory.
type blob interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	// Sync makes the bytes written so far durable.
	Sync() error
	Close() error
}

const chunkSize = 1 << 20

type memBlob struct {
	chunks [][]byte
	size   int64
}

func (m *memBlob) WriteAt(p []byte, off int64) (int, error) {
	n := 0
	for len(p) > 0 {
		ci, co := int(off/chunkSize), int(off%chunkSize)
		for ci >= len(m.chunks) {
			m.chunks = append(m.chunks, make([]byte, chunkSize))
		}
		k := copy(m.chunks[ci][co:], p)
		p, off, n = p[k:], off+int64(k), n+k
	}
	m.size = max(m.size, off)
	return n, nil
}

func (m *memBlob) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > m.size {
		return 0, io.ErrUnexpectedEOF
	}
	n := 0
	for len(p) > 0 {
		ci, co := int(off/chunkSize), int(off%chunkSize)
		k := copy(p, m.chunks[ci][co:])
		p, off, n = p[k:], off+int64(k), n+k
	}
	return n, nil
}

// Truncate keeps the chunks past the new end for the writes that follow,
// as a tape being overwritten is, instead of allocating them again; stale
// bytes there are never read, since reads stop at size.
func (m *memBlob) Truncate(size int64) error {
	m.size = size
	return nil
}

func (m *memBlob) Sync() error  { return nil }
func (m *memBlob) Close() error { return nil }

type fileBlob struct{ *os.File }

func (f fileBlob) Truncate(size int64) error { return f.File.Truncate(size) }

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new file, never a mix.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// readJSON reads a state file; a file that does not decode is a
// CorruptStateError naming it, with remedy.
func readJSON(path string, v any, remedy string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			err = fmt.Errorf("not valid JSON: %w", err)
		} else {
			err = fmt.Errorf("does not decode: %w", err)
		}
		return &CorruptStateError{Path: path, Err: err, Remedy: remedy}
	}
	return nil
}

func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
