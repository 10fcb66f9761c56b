//go:build unix

package state

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDataFile takes the data file's lock: an exclusive flock on
// "<path>.lock" (not the file itself, which buntdb replaces when it
// compacts), held until unlock. A file another process holds is refused.
// The open lock file is returned too: it holds the number of the last
// acknowledged write (integrity.go).
func lockDataFile(path string) (lock *os.File, unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("locking data file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, &InUseError{Path: path}
		}
		return nil, nil, fmt.Errorf("locking data file %s: %w", path, err)
	}
	return f, func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
