//go:build unix

package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockFolder takes an exclusive lock on dir/.lock and writes this process's id into it; the
// kernel drops the lock when the process ends, however it ends.
func lockFolder(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	// A link is never followed, lest the process id overwrite the file it points to, and a
	// FIFO is opened without waiting for a writer, then refused.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("lock run folder: %s is a symbolic link; a run folder's lock must be a plain file", path)
		}
		return nil, fmt.Errorf("lock run folder: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("lock run folder: %s is not a plain file", path)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("run folder %s is in use by another gan train (pid %s); wait for it to end or choose another --out",
				dir, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock run folder %s: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return f, nil
}
