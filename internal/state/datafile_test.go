package state

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"
)

// writeDataFile makes a data file of n items "test:item:<i>" through a
// model, one write each (the item and its sequence), closes it and
// returns its path, its bytes and where the last write starts.
func writeDataFile(t *testing.T, n int) (path string, data []byte, lastTx int) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "state.db")
	s, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(s)
	for i := 1; i <= n; i++ {
		if i == n {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			lastTx = int(st.Size())
		}
		err := m.db.Update(func(tx *Tx) error {
			m.items.Put(tx, item{ID: tx.Next("test:item"), Owner: "o", Name: strings.Repeat("x", i)})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data, lastTx
}

// docs opens path and returns the keys of its items, or the error.
func docs(path string) ([]string, *Log, error) {
	s, err := OpenLog(path)
	if err != nil {
		return nil, nil, err
	}
	var keys []string
	err = s.Each(func(key string, _ []byte) error {
		if strings.HasPrefix(key, "test:item:") {
			keys = append(keys, key)
		}
		return nil
	})
	return keys, s, err
}

// put writes item id into the log at path's model.
func put(s *Log, id int64) error {
	m := newModel(s)
	return m.db.Update(func(tx *Tx) error { m.items.Put(tx, item{ID: id, Owner: "o"}); return nil })
}

func TestDataFileSyncsEveryWrite(t *testing.T) {
	t.Parallel()
	s, err := OpenLog(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cfg buntdb.Config
	if err := s.db.ReadConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.SyncPolicy != buntdb.Always {
		t.Fatalf("data file sync policy %v, want Always (fsync before a write is acknowledged)", cfg.SyncPolicy)
	}
	if !s.Persistent() {
		t.Error("a data file log must say it is persistent")
	}
	mem, err := OpenLog("")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if mem.Persistent() {
		t.Error("memory mode is not persistent")
	}
}

// TestDataFileTornLastWrite: a file that ends inside its last write (a
// crash cut the write off before it was acknowledged: inside a command or
// between two of its commands) opens with every whole write and without
// the cut one, wherever the cut falls, and the log says what it dropped
// and that it was never acknowledged. Writing afterwards keeps the file
// sound.
func TestDataFileTornLastWrite(t *testing.T) {
	t.Parallel()
	_, whole, lastTx := writeDataFile(t, 3)
	for cut := lastTx + 1; cut < len(whole); cut++ {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, whole[:cut], 0o644); err != nil {
				t.Fatal(err)
			}
			keys, s, err := docs(path)
			if err != nil {
				t.Fatalf("a torn last write must open: %v", err)
			}
			defer s.Close()
			if len(keys) < 2 || keys[0] != itemKey(1) || keys[1] != itemKey(2) {
				t.Fatalf("whole commands lost: %v", keys)
			}
			if len(keys) != 2 {
				t.Fatalf("part of the cut write kept: %v", keys)
			}
			rec, ok := s.Recovered()
			if !ok || rec.Offset != int64(lastTx) || rec.Offset+rec.Dropped != int64(cut) || !rec.Unacknowledged {
				t.Fatalf("recovery %+v %v for a cut at %d (last write at %d)", rec, ok, cut, lastTx)
			}
			if err := put(s, 9); err != nil {
				t.Fatal(err)
			}
			s.Close()
			keys, s2, err := docs(path)
			if err != nil {
				t.Fatalf("reopening after a write: %v", err)
			}
			defer s2.Close()
			if keys[len(keys)-1] != itemKey(9) {
				t.Errorf("write after the recovery lost: %v", keys)
			}
			if _, again := s2.Recovered(); again {
				t.Error("the file was not cut back on the first open")
			}
		})
	}
}

// TestDataFileDamage: damage anywhere but in an incomplete last write stops
// the open with a *DataFileError naming the file, the offset and the
// reason, and leaves the file as it was.
func TestDataFileDamage(t *testing.T) {
	t.Parallel()
	_, whole, _ := writeDataFile(t, 3)
	second := bytes.Index(whole[1:], []byte("*")) + 1 // start of the second command
	insert := func(at int, b string) []byte {
		return append(append(append([]byte{}, whole[:at]...), b...), whole[at:]...)
	}
	replace := func(old, new string) []byte { return bytes.Replace(whole, []byte(old), []byte(new), 1) }
	cases := []struct {
		name   string
		data   []byte
		offset int // -1: not one place
		reason string
	}{
		{"garbage between commands", insert(second, "garbage\r\n"), second, `expected a command ('*'), found "garbage\r\n"`},
		{"garbage at the end without a newline", append(append([]byte{}, whole...), "hello"...), len(whole), `expected a command ('*'), found "hello"`},
		{"garbage at the end with a newline", append(append([]byte{}, whole...), "hello\n"...), len(whole), `expected a command`},
		{"a text file", []byte("this is not a data file\n"), 0, `expected a command`},
		{"NUL bytes between commands", insert(second, "\x00\x00\x00\x00"), second, "4 NUL bytes between two commands"},
		{"NUL bytes inside a command", insert(second+2, "\x00"), second, `expected a command ('*' and a number), found "*3\x00\r\n"`},
		{"a length that is not a number", replace("$3\r\nset", "$x\r\nset"), 4, `expected a part length ('$' and a number), found "$x\r\n"`},
		{"a length that overruns its part", replace("$3\r\nset", "$2\r\nset"), 10, "a part of 2 bytes not followed by CRLF"},
		{"an absurd length", replace("$3\r\nset", "$9999999999\r\nset"), 4, "a part of 9999999999 bytes"},
		{"an unknown command", replace("set", "zap"), 0, `a command "zap" of 3 parts`},
		{"a command of too many parts", replace("*3\r\n", "*9\r\n"), 0, "a command of 9 parts"},
		{"an empty command", insert(second, "*0\r\n"), second, "a command of 0 parts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, s, err := docs(path)
			if err == nil {
				s.Close()
				t.Fatal("a damaged data file opened")
			}
			var de *DataFileError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v, want a *DataFileError", err, err)
			}
			if de.Path != path || de.Offset != int64(tc.offset) || !strings.Contains(de.Reason, tc.reason) {
				t.Errorf("got path %s offset %d reason %q\nwant offset %d reason containing %q", de.Path, de.Offset, de.Reason, tc.offset, tc.reason)
			}
			if msg := err.Error(); !strings.Contains(msg, "data file "+path+" is damaged") || !strings.Contains(msg, "move it away") {
				t.Errorf("message must name the file and say what to do: %s", msg)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, tc.data) {
				t.Error("a refused data file was changed")
			}
		})
	}
}

// TestDataFileNulTail: NUL bytes after the last command (a file system that
// zero-fills after a crash) are no damage; the next write goes over them
// and the file stays readable.
func TestDataFileNulTail(t *testing.T) {
	t.Parallel()
	path, whole, _ := writeDataFile(t, 2)
	for _, tail := range []string{"\x00\x00\x00\x00\x00\x00\x00\x00", "\x00\x00\x00\x00*3\r\n$3\r\nse"} {
		if err := os.WriteFile(path, append(append([]byte{}, whole...), tail...), 0o644); err != nil {
			t.Fatal(err)
		}
		keys, s, err := docs(path)
		if err != nil || len(keys) != 2 {
			t.Fatalf("tail %q: %v %v", tail, keys, err)
		}
		if err := put(s, 3); err != nil {
			t.Fatal(err)
		}
		s.Close()
		keys, s, err = docs(path)
		if err != nil || len(keys) != 3 {
			t.Fatalf("tail %q, after a write: %v %v", tail, keys, err)
		}
		s.Close()
		// Back to the two writes, as if the third had never been made.
		if err := os.WriteFile(path, whole, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".lock", []byte("2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDataFileNotAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := OpenLog(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("a directory as data file: %v", err)
	}
}
