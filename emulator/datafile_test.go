package emulator_test

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
)

// dataFileWithRoom makes a data file holding the fixtures and one room
// created through ImbaChat, and returns its path.
func dataFileWithRoom(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chatemu.db")
	e, srv := start(t, emulator.Config{DataFile: path})
	status, body, _ := call(t, "POST", srv.URL+"/imbachat/v1/widget/imba_rooms",
		"imba_id=209&login=admin&password=admin&room_title=Kept&users_ids[0]=3", "Content-Type", "application/x-www-form-urlencoded")
	if status != 200 || !strings.Contains(body, `"roomId":1854`) {
		t.Fatalf("create: %d %s", status, body)
	}
	srv.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDamagedDataFileStopsStartUp: a data file damaged anywhere but in its
// last, incomplete write makes New fail with an error naming the file and
// the damage; nothing starts and the file is left as it was.
func TestDamagedDataFileStopsStartUp(t *testing.T) {
	t.Parallel()
	path := dataFileWithRoom(t)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	mid := bytes.Index(whole[len(whole)/2:], []byte("\r\n*")) + len(whole)/2 + 2
	for name, data := range map[string][]byte{
		"garbage in the middle":       append(append(append([]byte{}, whole[:mid]...), "junk\r\n"...), whole[mid:]...),
		"garbage at the end":          append(append([]byte{}, whole...), "junk"...),
		"a document that is not JSON": bytes.Replace(whole, []byte(`"name":"Kept"`), []byte(`"name":Kept!!`), 1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "chatemu.db")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			e, err := emulator.New(emulator.Config{DataFile: p})
			if err == nil {
				e.Close()
				t.Fatal("started on a damaged data file")
			}
			var de *emulator.DataFileError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "data file "+p+" is damaged") {
				t.Fatalf("error must name the file and the damage: %v", err)
			}
			if after, _ := os.ReadFile(p); !bytes.Equal(after, data) {
				t.Error("the refused file was changed")
			}
		})
	}
}

// TestTornDataFileStartsWithAWarning: a data file whose last write was cut
// off (never acknowledged) starts with everything before it and logs what
// it dropped.
func TestTornDataFileStartsWithAWarning(t *testing.T) {
	t.Parallel()
	path := dataFileWithRoom(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// An unacknowledged write cut off: a command that never ends.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("*3\r\n$3\r\nset\r\n$30\r\nimbachat:room:0000000")
	f.Close()
	var logs bytes.Buffer
	_, srv := start(t, emulator.Config{DataFile: path, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "data file ended in an incomplete write") || !strings.Contains(logs.String(), "file="+path) ||
		!strings.Contains(logs.String(), "offset="+strconv.FormatInt(st.Size(), 10)) {
		t.Errorf("no warning naming the file and the offset: %s", logs.String())
	}
	status, body, _ := call(t, "POST", srv.URL+"/imbachat/v2/209/get_rooms", "", "Authorization", "Basic MjA5OnNlY3JldF9rZXk=")
	if status != 200 || !strings.Contains(body, `"name":"Kept"`) {
		t.Errorf("the acknowledged room is gone: %d %s", status, body)
	}
}
