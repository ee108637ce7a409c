// Package plainfile opens the files a command is given to read, refusing anything that is
// not a regular file before opening it: opening a FIFO blocks until a writer comes, which
// may be never, and a device or a folder reads as endless or as an error far from its cause.
package plainfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Open opens path for reading if it is a regular file (or a link to one). A file that is
// something else is refused with an *os.PathError naming what it is.
func Open(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := Check(path, st); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The path may have been replaced between the two looks.
	if st, err = f.Stat(); err == nil {
		err = Check(path, st)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Check refuses what st describes unless it is a regular file.
func Check(path string, st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		return nil
	}
	return &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%s, not a regular file", Kind(st.Mode()))}
}

// Kind names a file's type in words.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// ReadFile reads the whole of path if it is a regular file (or a link to one), as
// os.ReadFile does for one.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// CheckIfExists refuses path if something other than a regular file is there; a path with
// nothing at it passes, for the caller to create.
func CheckIfExists(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	return Check(path, st)
}
