package emulator_test

import (
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/internal/core"
)

// A typo in a client gets the vendor's own not-found answer, and the
// journal names the nearest known operations, for every vendor.
func TestUnknownOperationsNameTheNearest(t *testing.T) {
	t.Parallel()
	e, srv := start(t, emulator.Config{})
	cases := []struct {
		method, path string
		status       int
		body, note   string
	}{
		{"GET", "/rest/1/abc/imbot.chat.ad", 404, `"error":"ERROR_METHOD_NOT_FOUND"`, "bitrix24.imbot.chat.add"},
		{"POST", "/rest/imopenlines.network.joyn.json", 404, `"error":"ERROR_METHOD_NOT_FOUND"`, "bitrix24.imopenlines.network.join"},
		{"POST", "/imbachat/v2/627/get_room", 404, `"success":false,"code":404`, "imbachat.get_rooms"},
		{"GET", "/message/grabAgent5/apiKey/1", 404, `"result":"error"`, ""},
		{"GET", "/message/grabAgnets/apiKey/1", 404, `"result":"error"`, "imbox.grabAgents"},
	}
	for _, c := range cases {
		status, body, _ := call(t, c.method, srv.URL+c.path, "")
		if status != c.status || !strings.Contains(body, c.body) {
			t.Errorf("%s %s: %d %s", c.method, c.path, status, body)
		}
	}
	notes := map[string]string{}
	for _, ex := range e.Journal().Find(core.JournalFilter{}) {
		notes[ex.Path] = ex.Note
	}
	for _, c := range cases {
		if c.note != "" && !strings.Contains(notes[c.path], "nearest known: "+c.note) {
			t.Errorf("%s: journal note %q, want it to name %s", c.path, notes[c.path], c.note)
		}
	}
}
