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
func lockDataFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking data file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &InUseError{Path: path}
		}
		return nil, fmt.Errorf("locking data file %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
