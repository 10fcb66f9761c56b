package bitrix24_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/schemas"
	"github.com/chatemu/chatemu/testkit"
)

// fixedNow is the frozen emulator clock of these tests, so that the time
// block of every answer is known: start 1771935579, finish 1771935579.0.
var fixedNow = time.Date(2026, 2, 24, 12, 19, 39, 0, time.UTC)

var schemaSet = core.NewSchemaSet(schemas.FS)

// start starts an instance on the frozen clock.
func start(t *testing.T, opts ...testkit.Option) *testkit.Server {
	t.Helper()
	return testkit.Start(t, append([]testkit.Option{testkit.WithClock(fixedNow)}, opts...)...)
}

// req is one HTTP request to the emulator.
type req struct {
	verb   string // default GET, or POST when a body is set
	path   string // "/rest/1/abc/imbot.chat.add?X=1"
	form   string // application/x-www-form-urlencoded body
	json   string // application/json body
	body   string // raw body, sent with ctype
	ctype  string
	header map[string]string
	host   string
}

// withPath is r sent to another path.
func (r req) withPath(path string) req {
	r.path = path
	return r
}

// hook is a path on the default webhook.
func hook(method string) string { return "/rest/1/abc/" + method }

func send(t *testing.T, srv *testkit.Server, r req) (int, string) {
	t.Helper()
	var body io.Reader
	ctype := r.ctype
	switch {
	case r.form != "":
		body, ctype = strings.NewReader(r.form), "application/x-www-form-urlencoded"
	case r.json != "":
		body, ctype = strings.NewReader(r.json), "application/json"
	case r.body != "":
		body = strings.NewReader(r.body)
	}
	verb := r.verb
	if verb == "" {
		verb = http.MethodGet
		if body != nil {
			verb = http.MethodPost
		}
	}
	hr, err := http.NewRequest(verb, srv.URL()+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.host != "" {
		hr.Host = r.host
	}
	resp, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(raw)
}

// expect sends r and checks the status and the exact body, and validates
// the body against the method's response schema (or the error schema).
func expect(t *testing.T, srv *testkit.Server, r req, status int, body string) {
	t.Helper()
	gotStatus, gotBody := send(t, srv, r)
	if gotStatus != status || gotBody != body {
		t.Fatalf("%s %s\n got %d %s\nwant %d %s", r.verb, r.path, gotStatus, gotBody, status, body)
	}
	validate(t, r.path, status, gotBody)
}

// validate checks a served body against schemas/bitrix24/responses.
func validate(t *testing.T, path string, status int, body string) {
	t.Helper()
	name := "bitrix24/responses/error.schema.json"
	if status == http.StatusOK {
		name = "bitrix24/responses/" + methodOf(path) + ".schema.json"
	}
	if !schemaSet.Has(name) {
		t.Fatalf("no response schema %s", name)
	}
	problems, err := schemaSet.Validate(name, []byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("%s does not match %s: %v\n%s", path, name, problems, body)
	}
}

// methodOf is the lower-case method a REST path names.
func methodOf(path string) string {
	path, _, _ = strings.Cut(path, "?")
	if strings.HasPrefix(path, "/oauth/token") {
		return "oauth.token"
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	m := strings.ToLower(parts[len(parts)-1])
	return strings.TrimSuffix(m, ".json")
}

// timeJSON is the time block of every answer on the frozen clock: the six
// base fields, then the cloud's operating figures of a call that charged
// nothing (released ten minutes after the request started).
func timeJSON() string { return timeJSONAt(fixedNow) }

func timeJSONAt(at time.Time) string {
	s, d := at.Unix(), at.Format("2006-01-02T15:04:05-07:00")
	return fmt.Sprintf(`{"start":%d,"finish":%d.0,"duration":0.0,"processing":0,"date_start":"%s","date_finish":"%s",`+
		`"operating_reset_at":%d,"operating":0.0}`, s, s, d, d, s+600)
}

// shiftTime rewrites the frozen clock's time block of an answer to the
// clock moved forward by d.
func shiftTime(body string, d time.Duration) string {
	return strings.ReplaceAll(body, timeJSON(), timeJSONAt(fixedNow.Add(d)))
}

// ok is the success envelope around a result (JSON text).
func ok(result string) string { return `{"result":` + result + `,"time":` + timeJSON() + `}` }

// fail is the error envelope, with the text escaped as the server's PHP
// JSON escapes it (an apostrophe is \u0027).
func fail(code, text string) string {
	return `{"error":"` + code + `","error_description":"` + phpText(text) + `"}`
}

// phpText escapes plain text as Bitrix\Main\Web\Json::encode does.
func phpText(s string) string {
	return strings.NewReplacer(`'`, `\u0027`, `"`, `\u0022`, `/`, `\/`, `<`, `\u003C`, `>`, `\u003E`, `&`, `\u0026`).Replace(s)
}

// seed applies a bitrix24 section to the default portal.
func seedPortal(t *testing.T, srv *testkit.Server, portalJSON string) {
	t.Helper()
	srv.Seed(t, []byte(`{"bitrix24":{"portals":[`+portalJSON+`]}}`))
}

const revision = `{"rest":2,"web":1,"mobile":1}`
