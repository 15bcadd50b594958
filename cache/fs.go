package cache

import (
	"errors"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Files are reached from a descriptor of the data root, one element at a
// time with O_NOFOLLOW: a symlink planted anywhere under the root (or a
// file where a directory should be) stops the walk instead of leading out
// of the cache.

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

func splitName(name string) (dirs []string, base string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return nil, name
	}
	return strings.Split(name[:i], "/"), name[i+1:]
}

func walkErr(name string, err error) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return &PathError{Name: name, Reason: "a symlink or a file stands in the path"}
	}
	return &os.PathError{Op: "open", Path: name, Err: err}
}

// openParent returns a descriptor of the directory that holds name,
// creating (and making durable) missing directories when create is set.
func openParent(root int, name string, create bool) (int, string, error) {
	dirs, base := splitName(name)
	fd, err := unix.Dup(root)
	if err != nil {
		return -1, "", err
	}
	for _, d := range dirs {
		next, err := unix.Openat(fd, d, dirFlags, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(fd, d, 0o755); err == nil || errors.Is(err, unix.EEXIST) {
				if err = unix.Fsync(fd); err == nil {
					next, err = unix.Openat(fd, d, dirFlags, 0)
				}
			}
		}
		unix.Close(fd)
		if err != nil {
			return -1, "", walkErr(name, err)
		}
		fd = next
	}
	return fd, base, nil
}

// openData opens a cached file for reading without following symlinks.
func openData(root int, name string) (*os.File, error) {
	dir, base, err := openParent(root, name, false)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dir)
	fd, err := unix.Openat(dir, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, walkErr(name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// statData returns the size of a cached file, or an error if it is not a
// regular file reachable without symlinks.
func statData(root int, name string) (int64, error) {
	dir, base, err := openParent(root, name, false)
	if err != nil {
		return 0, err
	}
	defer unix.Close(dir)
	var st unix.Stat_t
	if err := unix.Fstatat(dir, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, walkErr(name, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0, &PathError{Name: name, Reason: "not a regular file"}
	}
	return st.Size, nil
}

// unlinkData removes a cached file; a file already gone is not an error.
func unlinkData(root int, name string) error {
	dir, base, err := openParent(root, name, false)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(dir)
	if err := unix.Unlinkat(dir, base, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return &os.PathError{Op: "unlink", Path: name, Err: err}
	}
	return nil
}

// installData renames a finished temporary file to its name and makes the
// rename durable.
func installData(root, tmpDir int, tmp, name string) error {
	dir, base, err := openParent(root, name, true)
	if err != nil {
		return err
	}
	defer unix.Close(dir)
	if err := unix.Renameat(tmpDir, tmp, dir, base); err != nil {
		return &os.LinkError{Op: "rename", Old: tmp, New: name, Err: err}
	}
	return unix.Fsync(dir)
}
