package bitrix24_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// batchOK is a batch answer: the five maps as JSON text.
func batchOK(result, errs, times string) string {
	return ok(`{"result":` + result + `,"result_error":` + errs + `,"result_total":[],"result_next":[],"result_time":` + times + `}`)
}

// timesFor is a result_time map with one entry per key (an object), or a
// list when keys is nil and n > 0.
func timesFor(keys ...string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = `"` + k + `":` + timeJSON()
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func timesList(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = timeJSON()
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// The flow of reference §6: create a chat, then list it by reference.
const (
	cmdCreate = "imbot.chat.add?CLIENT_ID=chatemu&TYPE=CHAT&TITLE=B&USERS%5B0%5D=1&USERS%5B1%5D=2"
	cmdList   = "imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=%24result%5Bchat%5D"
)

// TestBatchEncodings runs the same batch as each client sends it.
func TestBatchEncodings(t *testing.T) {
	t.Parallel()
	want := batchOK(`{"chat":14,"list":[39,1,2]}`, `[]`, timesFor("chat", "list"))
	cases := []struct {
		name string
		r    req
	}{
		{"b24jssdk POST JSON with halt", req{path: hook("batch"), json: `{"halt":1,"cmd":{"chat":"` + cmdCreate + `","list":"` + cmdList + `"}}`}},
		{"2bad GET, commands encoded twice, no halt", req{path: hook("batch?cmd%5Bchat%5D=" + url.QueryEscape(cmdCreate) + "&cmd%5Blist%5D=" + url.QueryEscape(cmdList))}},
		{"restCommand form POST", req{path: hook("batch"), form: "halt=0&cmd[chat]=" + url.QueryEscape(cmdCreate) + "&cmd[list]=" + url.QueryEscape(cmdList)}},
		{"OAuth token, upper-case CMD and HALT", req{path: "/rest/batch", json: `{"auth":"test-access-token","HALT":0,"CMD":{"chat":"` +
			strings.ReplaceAll(cmdCreate, "CLIENT_ID=chatemu&", "") + `","list":"` + strings.ReplaceAll(cmdList, "CLIENT_ID=chatemu&", "") + `"}}`}},
		{"references not encoded", req{path: hook("batch"), json: `{"cmd":{"chat":"` + cmdCreate + `","list":"imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=$result[chat]"}}`}},
		{"command order is the order sent, not alphabetical", req{path: hook("batch"), json: `{"cmd":{"chat":"` + cmdCreate + `","list":"` + cmdList + `"}}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			expect(t, srv, tc.r, http.StatusOK, want)
		})
	}
	t.Run("a later command referring to an earlier one sent first alphabetically", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"z_create":"` + cmdCreate + `","a_list":"imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=$result[z_create]"}}`},
			http.StatusOK, batchOK(`{"z_create":14,"a_list":[39,1,2]}`, `[]`, timesFor("z_create", "a_list")))
	})
}

// TestBatchMaps checks list-style cmd (maps with keys 0..n-1 are JSON
// arrays, others objects) and that failures still answer HTTP 200.
func TestBatchMaps(t *testing.T) {
	t.Parallel()
	rev := "imopenlines.revision.get"
	t.Run("all succeed: arrays", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":["` + rev + `","` + rev + `"]}`}, http.StatusOK,
			batchOK(`[`+revision+`,`+revision+`]`, `[]`, timesList(2)))
	})
	t.Run("an error in the middle: objects keyed by index", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":["` + rev + `","imbot.chat.user.list","` + rev + `"]}`}, http.StatusOK,
			batchOK(`{"0":`+revision+`,"2":`+revision+`}`, `{"1":{"error":"CHAT_ID_EMPTY","error_description":"Chat ID can\u0027t be empty"}}`,
				`{"0":`+timeJSON()+`,"2":`+timeJSON()+`}`))
	})
	t.Run("every command fails: still HTTP 200", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"a":"nothing.here","b":"imbot.chat.add"}}`}, http.StatusOK,
			batchOK(`[]`, `{"a":{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"},`+
				`"b":{"error":"USERS_EMPTY","error_description":"No chat participants"}}`, `[]`))
	})
	t.Run("no cmd: five empty maps", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch")}, http.StatusOK, batchOK(`[]`, `[]`, `[]`))
		expect(t, srv, req{path: hook("batch?cmd=imopenlines.revision.get")}, http.StatusOK, batchOK(`[]`, `[]`, `[]`))
	})
	t.Run("commands that are not strings are skipped", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"n":5,"o":{"x":"` + rev + `"},"r":"` + rev + `"}}`}, http.StatusOK,
			batchOK(`{"r":`+revision+`}`, `[]`, timesFor("r")))
	})
	t.Run("a method returning null appears in result", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"g":"imbot.chat.get?ENTITY_TYPE=NONE&ENTITY_ID=1"}}`}, http.StatusOK,
			batchOK(`{"g":null}`, `[]`, timesFor("g")))
	})
}

// TestBatchHalt checks halt: PHP's (bool) of the value, default false.
func TestBatchHalt(t *testing.T) {
	t.Parallel()
	failing := "imbot.chat.user.list"
	create := "imbot.chat.add?CLIENT_ID=chatemu&USERS%5B%5D=1"
	errs := `{"bad":{"error":"CHAT_ID_EMPTY","error_description":"Chat ID can\u0027t be empty"}}`
	cases := []struct {
		name    string
		halt    string // JSON value, "" for none
		stopped bool
	}{
		{"absent", "", false},
		{"0", `0`, false},
		{"\"0\"", `"0"`, false},
		{"false", `false`, false},
		{"empty string", `""`, false},
		{"1", `1`, true},
		{"true", `true`, true},
		{"the string \"false\" is true in PHP", `"false"`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			halt := ""
			if tc.halt != "" {
				halt = `"halt":` + tc.halt + `,`
			}
			body := `{` + halt + `"cmd":{"bad":"` + failing + `","make":"` + create + `"}}`
			if tc.stopped {
				expect(t, srv, req{path: hook("batch"), json: body}, http.StatusOK, batchOK(`[]`, errs, `[]`))
				expect(t, srv, req{path: hook("imbot.dialog.get?DIALOG_ID=chat14")}, http.StatusForbidden,
					fail("ACCESS_ERROR", "You do not have access to the specified dialog"))
				return
			}
			expect(t, srv, req{path: hook("batch"), json: body}, http.StatusOK, batchOK(`{"make":14}`, errs, timesFor("make")))
		})
	}
}

// TestBatchLimits covers the 50-command cap, nested batch and scopes.
func TestBatchLimits(t *testing.T) {
	t.Parallel()
	t.Run("commands past the 50th are not run", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		var cmds, results []string
		for i := 0; i < 52; i++ {
			cmds = append(cmds, fmt.Sprintf(`"c%d":"imopenlines.revision.get"`, i))
			if i < 50 {
				results = append(results, fmt.Sprintf(`"c%d":`, i)+revision)
			}
		}
		var keys []string
		for i := 0; i < 50; i++ {
			keys = append(keys, fmt.Sprintf("c%d", i))
		}
		exceeded := `{"error":"ERROR_BATCH_LENGTH_EXCEEDED","error_description":"Max batch length exceeded"}`
		expect(t, srv, req{path: hook("batch"), json: `{"halt":1,"cmd":{` + strings.Join(cmds, ",") + `}}`}, http.StatusOK,
			batchOK(`{`+strings.Join(results, ",")+`}`, `{"c50":`+exceeded+`,"c51":`+exceeded+`}`, timesFor(keys...)))
		if n := len(srv.Calls("bitrix24.imopenlines.revision.get", nil)); n != 50 {
			t.Fatalf("%d commands ran, want 50", n)
		}
	})
	t.Run("a nested batch is refused", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"inner":"batch?cmd[x]=imopenlines.revision.get"}}`}, http.StatusOK,
			batchOK(`[]`, `{"inner":{"error":"ERROR_BATCH_METHOD_NOT_ALLOWED","error_description":"Method is not allowed for batch usage"}}`, `[]`))
	})
	t.Run("each command is checked against the scope, with an empty description", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","webhooks":[{"user_id":2,"code":"bots","scopes":["imbot"]}]}`)
		expect(t, srv, req{path: "/rest/2/bots/batch", json: `{"cmd":{"r":"imopenlines.revision.get","g":"imbot.chat.get?ENTITY_TYPE=OPEN&ENTITY_ID=13"}}`}, http.StatusOK,
			batchOK(`{"g":{"ID":13}}`, `{"r":{"error":"insufficient_scope","error_description":""}}`, timesFor("g")))
	})
	t.Run("a strict portal does not know imopenlines.network.message.send", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","strict":true}`)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"s":"imopenlines.network.message.send?CODE=x"}}`}, http.StatusOK,
			batchOK(`[]`, `{"s":{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}}`, `[]`))
	})
}

// TestBatchReferences covers $result, $error and $time references.
func TestBatchReferences(t *testing.T) {
	t.Parallel()
	t.Run("a whole-value reference passes an array", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"m":"imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=13",` +
			`"c":"imbot.chat.add?CLIENT_ID=chatemu&USERS=$result[m]&TITLE=Copy of $result[m][1] and $result[m]"}}`}, http.StatusOK,
			batchOK(`{"m":[39,1,2,4],"c":14}`, `[]`, timesFor("m", "c")))
		d := dialog(t, srv, "chat14")
		if d.UserCounter != 4 || d.Name != "Copy of 1 and $result[m]" {
			t.Fatalf("copied chat: %+v", d)
		}
	})
	t.Run("error and time references", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"bad":"imbot.chat.user.list","r":"imopenlines.revision.get",` +
			`"t":"imbot.chat.updateTitle?CLIENT_ID=chatemu&CHAT_ID=13&TITLE=$error[bad][error] at $time[r][start]"}}`}, http.StatusOK,
			batchOK(`{"r":`+revision+`,"t":true}`, `{"bad":{"error":"CHAT_ID_EMPTY","error_description":"Chat ID can\u0027t be empty"}}`, timesFor("r", "t")))
		if d := dialog(t, srv, "chat13"); d.Name != fmt.Sprintf("CHAT_ID_EMPTY at %d", fixedNow.Unix()) {
			t.Fatalf("title: %q", d.Name)
		}
	})
	t.Run("a reference to a missing field stops at the deepest one found", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"c":"` + cmdCreate + `","l":"imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=$result[c][missing]"}}`}, http.StatusOK,
			batchOK(`{"c":14,"l":[39,1,2]}`, `[]`, timesFor("c", "l")))
	})
	t.Run("references inside nested parameters", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":{"k":"imopenlines.revision.get","c":"imbot.chat.add?CLIENT_ID=chatemu&USERS[0]=$result[k][rest]",` +
			`"u":"imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=$result[c]"}}`}, http.StatusOK,
			batchOK(`{"k":`+revision+`,"c":14,"u":[39,2]}`, `[]`, timesFor("k", "c", "u")))
	})
}

// TestBatchJournal checks that each command is journaled under its own
// name, so that testkit assertions count batched calls.
func TestBatchJournal(t *testing.T) {
	t.Parallel()
	srv := start(t)
	send(t, srv, req{path: hook("batch"), json: `{"cmd":{"a":"imbot.chat.user.add?CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=3","b":"imbot.chat.user.add?CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=3"}}`})
	srv.AssertCalled(t, "bitrix24.imbot.chat.user.add", testkit.Params{"CHAT_ID": "13"}, 2)
	calls := srv.Calls("bitrix24.imbot.chat.user.add", nil)
	if calls[0].Status != http.StatusOK || calls[1].Status != http.StatusBadRequest || calls[1].Error != "WRONG_REQUEST" ||
		calls[0].Note != "batch command a" || calls[0].Tenant != "portal:default" {
		t.Fatalf("journal: %+v", calls)
	}
	srv.AssertCalled(t, "bitrix24.batch", nil, 1)
}
