package state

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// damaged writes data to a new data file (with the lock file of the
// original, which holds the last acknowledged write) and opens it.
func damaged(t *testing.T, lockOf string, data []byte) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if lockOf != "" {
		lock, err := os.ReadFile(lockOf + ".lock")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(path+".lock", lock, 0o644)
	}
	_, s, err := docs(path)
	if err == nil {
		s.Close()
	}
	return err
}

// spans returns where each marked write of a file written by
// writeDataFile starts: the writes are found by their markers.
func writeStarts(t *testing.T, path string, n int) []int {
	t.Helper()
	data, _ := os.ReadFile(path)
	var starts []int
	// Each write of writeDataFile is two commands (the item and its
	// sequence) and a marker; the base marker is a write alone.
	var cmds []int
	for i := 0; i < len(data); i++ {
		if data[i] == '*' && (i == 0 || data[i-1] == '\n') {
			cmds = append(cmds, i)
		}
	}
	// cmds[0] is the base marker; then 3 commands per write.
	for w := 0; w < n; w++ {
		starts = append(starts, cmds[1+3*w])
	}
	return starts
}

// TestDataFileChangedByteIsDetected: a byte changed inside a stored value
// (same length, still valid JSON) stops start-up naming the write.
func TestDataFileChangedByteIsDetected(t *testing.T) {
	t.Parallel()
	path, whole, _ := writeDataFile(t, 3)
	i := bytes.Index(whole, []byte(`"name":"xx"`))
	if i < 0 {
		t.Fatalf("no value to change in %q", whole)
	}
	changed := bytes.Clone(whole)
	changed[i+len(`"name":"`)] = 'y'
	err := damaged(t, path, changed)
	var de *DataFileError
	if !errors.As(err, &de) || !strings.Contains(de.Reason, "write 2") || !strings.Contains(de.Reason, "does not match its checksum") {
		t.Fatalf("got %v", err)
	}
}

// TestDataFileCutAtAWriteBoundary: a file cut after a whole write, while
// the lock file says a later one was acknowledged, stops start-up; so does
// a write missing in the middle.
func TestDataFileCutAtAWriteBoundary(t *testing.T) {
	t.Parallel()
	path, whole, lastTx := writeDataFile(t, 3)
	err := damaged(t, path, whole[:lastTx])
	var de *DataFileError
	if !errors.As(err, &de) || !strings.Contains(de.Reason, "the file ends after write 2, but write 3 was acknowledged") {
		t.Fatalf("cut after write 2: %v", err)
	}
	starts := writeStarts(t, path, 3)
	middle := append(bytes.Clone(whole[:starts[1]]), whole[starts[2]:]...)
	err = damaged(t, "", middle)
	if !errors.As(err, &de) || !strings.Contains(de.Reason, "write 3 follows write 1") {
		t.Fatalf("write 2 missing: %v", err)
	}
	// Without the lock file, a cut at a write's boundary cannot be told
	// from a file that ends there: it opens.
	if err := damaged(t, "", whole[:lastTx]); err != nil {
		t.Fatalf("a file that ends after a whole write, with no acknowledgement beside it: %v", err)
	}
}

// TestDataFileWithoutMarkersOpens: a file of an earlier version (no
// markers) opens as it is, gets a base marker, and its cut last command is
// dropped without being called unacknowledged.
func TestDataFileWithoutMarkersOpens(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	old := "*3\r\n$3\r\nset\r\n$22\r\ntest:item:000000000001\r\n$8\r\n{\"id\":1}\r\n*3\r\n$3\r\nset\r\n$22\r\ntest:item:000000000002\r\n$8\r\n{\"id\":2}\r\n*3\r\n$3\r\nse"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	keys, s, err := docs(path)
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := s.Recovered()
	if len(keys) != 2 || !ok || rec.Unacknowledged {
		t.Fatalf("keys %v, recovery %+v %v", keys, rec, ok)
	}
	if err := put(s, 3); err != nil {
		t.Fatal(err)
	}
	s.Close()
	keys, s, err = docs(path)
	if err != nil || len(keys) != 3 {
		t.Fatalf("after a marked write: %v %v", keys, err)
	}
	s.Close()
}

// TestDataFileCompactsAtOpen: a file past the compaction size is rewritten
// when opened, keeps its values and its write numbers, and stays checked.
func TestDataFileCompactsAtOpen(t *testing.T) {
	t.Parallel()
	path, whole, _ := writeDataFile(t, 3)
	s, err := openLog(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(s, 7); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Before: the base marker and three write markers; after: the
	// compacted values, a new base marker and the one write since.
	marker := []byte("$7\r\nmeta:tx\r\n")
	after, _ := os.ReadFile(path)
	if before, now := bytes.Count(whole, marker), bytes.Count(after, marker); before != 4 || now != 2 {
		t.Errorf("markers: %d before, %d after compaction; want 4 and 2", before, now)
	}
	keys, s, err := docs(path)
	if err != nil {
		t.Fatalf("reopening a compacted file: %v", err)
	}
	defer s.Close()
	if len(keys) != 4 || s.txn != 4 {
		t.Errorf("keys %v, last write %d", keys, s.txn)
	}
}
