package state

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Every write chatemu appends to a data file ends with a marker: the key
// markerKey set to "<write number> <commands> <sum>", where sum adds up a
// 64-bit FNV-1a digest of each other command of the write (buntdb writes a
// transaction's commands in no fixed order, so the marker may stand
// anywhere among them and the sum does not depend on their order). The
// first marker of a file, written alone, is "base <write number>": what
// comes before it (a file of an earlier version, or one just compacted)
// carries no markers. Opening a file checks every write after the base
// against its marker: a changed byte inside a value, a write missing in the
// middle, or a final write that never got its marker (a crash cut it off
// before it was acknowledged) are told apart. The lock file beside the data
// file holds the number of the last acknowledged write, so a file cut at a
// write's boundary (or replaced by an older copy) is told apart too.
const markerKey = "meta:tx"

// commandDigest is a command's share of its write's sum.
func commandDigest(op, key, value string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(op))
	h.Write([]byte{0})
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return h.Sum64()
}

// marker is a write's marker value.
func marker(n int64, commands int, sum uint64) string {
	return fmt.Sprintf("%d %d %x", n, commands, sum)
}

// writeChecker follows a data file's commands in order and checks each
// marked write against its marker.
type writeChecker struct {
	based bool  // the base marker was seen
	last  int64 // the number of the last whole write
	// The write in progress: where it starts, its commands so far (the
	// marker aside) and their sum, and its marker once seen.
	spanAt   int64
	count    int
	sum      uint64
	marked   bool
	markN    int64
	markCnt  int
	markSum  uint64
	markerAt int64
}

func newWriteChecker() *writeChecker { return &writeChecker{spanAt: -1} }

// add takes the command at offset at.
func (w *writeChecker) add(at int64, parts []string) error {
	op := strings.ToLower(parts[0])
	isMarker := op == "set" && len(parts) >= 3 && parts[1] == markerKey
	if !w.based {
		if isMarker {
			if n, ok := strings.CutPrefix(parts[2], "base "); ok {
				v, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					return &DataFileError{Offset: at, Reason: fmt.Sprintf("a write marker %q that is not one", clip([]byte(parts[2])))}
				}
				w.based, w.last = true, v
			}
		}
		return nil // before the base: unmarked
	}
	if w.spanAt < 0 {
		w.spanAt = at
	}
	if isMarker {
		if w.marked {
			return &DataFileError{Offset: at, Reason: fmt.Sprintf("write %d has two markers", w.markN)}
		}
		if n, ok := strings.CutPrefix(parts[2], "base "); ok && w.count == 0 {
			// A base again, alone: the file was compacted and renumbered.
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				return &DataFileError{Offset: at, Reason: fmt.Sprintf("a write marker %q that is not one", clip([]byte(parts[2])))}
			}
			w.last, w.spanAt = v, -1
			return nil
		}
		f := strings.Fields(parts[2])
		var err error
		if len(f) == 3 {
			w.markN, err = strconv.ParseInt(f[0], 10, 64)
			if err == nil {
				w.markCnt, err = strconv.Atoi(f[1])
			}
			if err == nil {
				w.markSum, err = strconv.ParseUint(f[2], 16, 64)
			}
		}
		if len(f) != 3 || err != nil {
			return &DataFileError{Offset: at, Reason: fmt.Sprintf("a write marker %q that is not one", clip([]byte(parts[2])))}
		}
		w.marked, w.markerAt = true, at
	} else {
		value := ""
		if len(parts) >= 3 {
			value = parts[2]
		}
		w.count++
		w.sum += commandDigest(op, parts[1], value)
	}
	if !w.marked {
		return nil
	}
	switch {
	case w.count > w.markCnt:
		return &DataFileError{Offset: w.spanAt, Reason: fmt.Sprintf("write %d (from byte %d) holds more commands than its marker says", w.markN, w.spanAt)}
	case w.count < w.markCnt:
		return nil
	case w.markN != w.last+1:
		return &DataFileError{Offset: w.spanAt, Reason: fmt.Sprintf("write %d follows write %d: the writes between them are missing", w.markN, w.last)}
	case w.sum != w.markSum:
		return &DataFileError{Offset: w.spanAt, Reason: fmt.Sprintf("write %d (from byte %d) does not match its checksum: a byte of it was changed", w.markN, w.spanAt)}
	}
	w.last = w.markN
	w.spanAt, w.count, w.sum, w.marked = -1, 0, 0, false
	return nil
}

// open reports whether the file ends inside a marked write (one that never
// got all of its commands and its marker, so never acknowledged), and where
// that write starts.
func (w *writeChecker) open() (int64, bool) {
	return w.spanAt, w.based && w.spanAt >= 0
}
