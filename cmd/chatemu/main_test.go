package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chatemu/chatemu/schemas"
	"github.com/xeipuuv/gojsonschema"
)

// binary is chatemu built once for the tests that run it as a process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chatemu-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "chatemu")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building chatemu: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a running chatemu binary.
type process struct {
	cmd  *exec.Cmd
	base string
	out  *syncBuffer // stderr (logs)
}

// syncBuffer is a bytes.Buffer safe to read while the process writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startBinary runs chatemu on a free loopback port and waits for its
// start-up banner.
func startBinary(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, out: &syncBuffer{}}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	banner := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.After(30 * time.Second)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if m := banner.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case p.base = <-found:
	case <-deadline:
		t.Fatalf("chatemu did not start: %s", p.out)
	}
	return p
}

func schema(t *testing.T, name string) *gojsonschema.Schema {
	t.Helper()
	raw, err := schemas.FS.ReadFile("imbachat/responses/" + name + ".schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateBody(t *testing.T, op, body string) {
	t.Helper()
	res, err := schema(t, op).Validate(gojsonschema.NewStringLoader(body))
	if err != nil {
		t.Fatalf("%s: %v (body %s)", op, err, body)
	}
	if !res.Valid() {
		t.Errorf("%s: body does not match its schema: %v\n%s", op, res.Errors(), body)
	}
}

// specExample is one request of the ImbaChat spec page: its curl command
// and the same request as the page's PHP code sends it.
type specExample struct {
	op       string
	curl     string
	phpURL   string
	phpForm  [][2]string
	phpAuth  [2]string
	contains string // a fragment the answer to the doc's request must hold
}

var (
	phpURL    = regexp.MustCompile(`CURLOPT_URL => ["']([^"']+)["']`)
	phpFields = regexp.MustCompile(`CURLOPT_POSTFIELDS => array\((.*)\),\n`)
	phpPair   = regexp.MustCompile(`'([^']*)' => '?([^',]*)'?`)
	phpUser   = regexp.MustCompile(`CURLOPT_USERPWD => "([^:]*):([^"]*)"`)
)

// specExamples reads the ImbaChat page from the shared spec folder beside
// the repository; it is skipped where that folder is absent.
func specExamples(t *testing.T) []specExample {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "spec", "imbachat-api.en.txt")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("the vendor spec pages are not beside the repository: %v", err)
	}
	text := string(raw)
	curls := curlCommands(text)
	urls := phpURL.FindAllStringSubmatch(text, -1)
	fields := phpFields.FindAllStringSubmatch(text, -1)
	if len(curls) != 4 || len(urls) != 4 || len(fields) != 4 {
		t.Fatalf("spec page changed: %d curl, %d PHP examples", len(curls), len(urls))
	}
	want := []struct{ op, contains string }{
		{"imba_rooms", `"roomId":1854`},
		{"imba_rooms", `"room_id":"613"`},
		{"get_users", `"remote_user_id":"2"`},
		{"get_rooms", `"id":1314`},
	}
	var out []specExample
	for i, c := range curls {
		ex := specExample{op: want[i].op, contains: want[i].contains, curl: strings.TrimSuffix(strings.TrimSpace(c), `\`), phpURL: urls[i][1]}
		for _, p := range phpPair.FindAllStringSubmatch(fields[i][1], -1) {
			ex.phpForm = append(ex.phpForm, [2]string{p[1], p[2]})
		}
		// The PHP block of an example follows its curl block.
		start := strings.Index(text, c)
		if m := phpUser.FindStringSubmatch(text[start:]); m != nil && i >= 2 {
			ex.phpAuth = [2]string{m[1], m[2]}
		}
		out = append(out, ex)
	}
	return out
}

// curlCommands returns each "curl --location" command of the page with its
// continuation lines (those after a line ending in a backslash).
func curlCommands(text string) []string {
	var out []string
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "curl --location") {
			continue
		}
		cmd := lines[i]
		for strings.HasSuffix(strings.TrimSpace(lines[i]), `\`) && i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
			i++
			cmd += "\n" + lines[i]
		}
		out = append(out, cmd)
	}
	return out
}

func replaceHost(s, base string) string {
	return strings.NewReplacer("https://api.imbachat.com", base, "http://api.imbachat.com", base).Replace(s)
}

// TestSpecCurlExamplesVerbatim sends the spec page's curl commands as
// written (only the host replaced) to the binary with its default fixtures.
func TestSpecCurlExamplesVerbatim(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	examples := specExamples(t)
	p := startBinary(t, nil)
	for i, ex := range examples {
		cmd := exec.Command("bash", "-c", replaceHost(ex.curl, p.base)+` -sS -w '\n%{http_code}'`)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("example %d: %v\n%s", i+1, err, out)
		}
		body, status, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		if status != "200" || !strings.Contains(body, ex.contains) {
			t.Errorf("example %d (%s): status %s body %s\nwant 200 with %s", i+1, ex.op, status, body, ex.contains)
		}
		validateBody(t, ex.op, body)
	}
}

// TestSpecPHPExamples sends the spec page's PHP requests the way PHP's curl
// sends an array of CURLOPT_POSTFIELDS: multipart/form-data, keys as
// written (including "room_is_public " with its space).
func TestSpecPHPExamples(t *testing.T) {
	examples := specExamples(t)
	p := startBinary(t, nil)
	for i, ex := range examples {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, f := range ex.phpForm {
			w.WriteField(f[0], f[1])
		}
		w.Close()
		req, _ := http.NewRequest("POST", replaceHost(ex.phpURL, p.base), &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		if ex.phpAuth[0] != "" {
			req.SetBasicAuth(ex.phpAuth[0], ex.phpAuth[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("PHP example %d (%s): %d %s", i+1, ex.op, resp.StatusCode, body)
		}
		validateBody(t, ex.op, string(body))
		if i == 1 && !strings.Contains(string(body), `"room_id":"613"`) {
			t.Errorf("PHP example 2 adds to room 613: %s", body)
		}
	}
	// The first PHP example runs after the curl-less start: its room is
	// created with room_is_public set through the key with a space.
	req, _ := http.NewRequest("POST", p.base+"/imbachat/v2/209/get_rooms", strings.NewReader("room_type=1"))
	req.SetBasicAuth("209", "secret_key")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rooms struct {
		Data []struct {
			ID       int `json:"id"`
			IsPublic int `json:"is_public"`
		} `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&rooms)
	if len(rooms.Data) == 0 || rooms.Data[0].ID != 1854 || rooms.Data[0].IsPublic != 1 {
		t.Errorf("room created by the PHP example: %+v", rooms.Data)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	t.Setenv("CHATEMU_ADDR", "127.0.0.1:9999")
	t.Setenv("CHATEMU_SEED", "42")
	o, err := parseFlags([]string{"--seed", "7"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:9999" || o.seed != 7 {
		t.Errorf("env sets the default, the flag wins: addr %q seed %d", o.addr, o.seed)
	}
	for _, bad := range [][]string{{"--seed", "x"}, {"stray"}, {"--nope"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--log-level", "loud", "--addr", "127.0.0.1:0"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "--log-level") {
		t.Errorf("bad log level: exit %d, %s", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"--fixtures", "/does/not/exist", "--addr", "127.0.0.1:0"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "not a directory") {
		t.Errorf("missing fixtures dir: exit %d, %s", code, errOut.String())
	}
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"imbachat":{"widgets":[{"imba_id":1,"secret_key":"k","login":"a","password":"b"}]}}`), 0o644)
	os.WriteFile(bad, []byte(`{"imbachat":{"rooms":[{"id":1,"imba_id":1,"name":"x","type":2}]}}`), 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", good}, &out, &errOut); code != 0 || out.String() != good+": valid\n" {
		t.Errorf("good file: exit %d, %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	code := run([]string{"validate", good, bad}, &out, &errOut)
	want := bad + " is not valid:\n  /imbachat/rooms/0/type: rooms.0.type must be one of the following: 0, 1, 3\n"
	if code != 1 || errOut.String() != want {
		t.Errorf("bad file: exit %d\n%q\nwant\n%q", code, errOut.String(), want)
	}
	if code := run([]string{"validate"}, &out, &errOut); code != 2 {
		t.Errorf("no files: exit %d", code)
	}
}

func TestFixturesDirAndBrokenFixtures(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "w.json"), []byte(`{"imbachat":{"widgets":[{"imba_id":5,"secret_key":"k5","login":"a","password":"b"}]}}`), 0o644)
	p := startBinary(t, nil, "--fixtures", dir)
	req, _ := http.NewRequest("POST", p.base+"/imbachat/v2/5/get_rooms", nil)
	req.SetBasicAuth("5", "k5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("own fixtures: status %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", p.base+"/imbachat/v2/627/get_rooms", nil)
	req.SetBasicAuth("627", "secret_key")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("the defaults are replaced, widget 627 is unknown: status %d", resp.StatusCode)
	}

	os.WriteFile(filepath.Join(dir, "x.json"), []byte(`{"imbachat":{"widgets":[{"imba_id":"five"}]}}`), 0o644)
	cmd := exec.Command(binary, "--addr", "127.0.0.1:0", "--fixtures", dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "x.json is not valid:") || !strings.Contains(string(out), "/imbachat/widgets/0/imba_id: Invalid type. Expected: integer, given: string") {
		t.Errorf("broken fixture must stop start-up naming file, path and reason: %v\n%s", err, out)
	}
}

func TestHealthcheckAndGracefulShutdown(t *testing.T) {
	p := startBinary(t, nil, "--log-level", "debug")
	addr := strings.TrimPrefix(p.base, "http://")
	if out, err := exec.Command(binary, "healthcheck", addr).CombinedOutput(); err != nil {
		t.Errorf("healthcheck of a running server: %v %s", err, out)
	}
	hc := exec.Command(binary, "healthcheck")
	hc.Env = append(os.Environ(), "CHATEMU_ADDR=127.0.0.1:1")
	if err := hc.Run(); err == nil {
		t.Error("healthcheck of a closed port must fail")
	}

	// A slow request in flight while SIGTERM arrives still gets its answer.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(ctx, "POST", p.base+"/imbachat/v2/627/get_rooms", pr)
	req.SetBasicAuth("627", "secret_key")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			resp.Body.Close()
		}
		done <- err
	}()
	pw.Write([]byte("room_type="))
	time.Sleep(200 * time.Millisecond) // let the request reach the handler
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	pw.Write([]byte("0"))
	pw.Close()
	if err := <-done; err != nil {
		t.Errorf("in-flight request during shutdown: %v", err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.out)
	}
	if !strings.Contains(p.out.String(), "shutting down") {
		t.Errorf("logs: %s", p.out)
	}
}

func TestScenarioFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "teapot.json")
	os.WriteFile(file, []byte(`{"name":"teapot","rules":[{"match":{"operation":"imbachat.get_users"},"action":{"type":"status","status":418}}]}`), 0o644)
	p := startBinary(t, []string{"CHATEMU_SCENARIOS=imbachat-outage"}, "--scenario", file)
	post := func(op string) int {
		req, _ := http.NewRequest("POST", p.base+"/imbachat/v2/627/"+op, nil)
		req.SetBasicAuth("627", "secret_key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The flag replaces the environment's list, as flags win over variables.
	if got := post("get_users"); got != 418 {
		t.Errorf("scenario file: %d", got)
	}
	if got := post("get_rooms"); got != 200 {
		t.Errorf("the environment's scenario is replaced by the flag: %d", got)
	}

	p2 := startBinary(t, []string{"CHATEMU_SCENARIOS=imbachat-outage"})
	req, _ := http.NewRequest("POST", p2.base+"/imbachat/v2/627/get_rooms", nil)
	req.SetBasicAuth("627", "secret_key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("bundled scenario from the environment: %d", resp.StatusCode)
	}

	out, err := exec.Command(binary, "--addr", "127.0.0.1:0", "--scenario", "no-such-scenario").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `no bundled scenario "no-such-scenario" (bundled: `) {
		t.Errorf("unknown scenario: %v %s", err, out)
	}
}

func TestValidateScenarioFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"x","rules":[{"action":{"type":"latency"}}]}`), 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", bad}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "bad.json is not valid:\n  /rules/0/action") {
		t.Errorf("bad scenario: exit %d %q", code, errOut.String())
	}
	delivery := filepath.Join(dir, "delivery.json")
	os.WriteFile(delivery, []byte(`{"name":"lossy","rules":[{"match":{"vendor":"bitrix24","event":"ONIMBOTMESSAGEADD"},"trigger":{"times":1},"action":{"type":"drop"}},
		{"match":{"event":"visitorMessage"},"action":{"type":"reorder","delay":"2s"}}]}`), 0o644)
	if code := run([]string{"validate", delivery}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "delivery.json: valid") {
		t.Errorf("delivery rules: exit %d %q %q", code, out.String(), errOut.String())
	}
	mixed := filepath.Join(dir, "mixed.json")
	os.WriteFile(mixed, []byte(`{"name":"m","rules":[{"match":{"operation":"imbot.chat.add"},"action":{"type":"duplicate"}}]}`), 0o644)
	errOut.Reset()
	if code := run([]string{"validate", mixed}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "acts on deliveries, which match on vendor, event and tenant only, not operation") {
		t.Errorf("a delivery rule matching an operation: exit %d %q", code, errOut.String())
	}
	bundled, _ := filepath.Glob("../../scenarios/*.json")
	out.Reset()
	if code := run(append([]string{"validate"}, bundled...), &out, &errOut); code != 0 || strings.Count(out.String(), ": valid") != len(bundled) || len(bundled) == 0 {
		t.Errorf("bundled scenarios: exit %d %q %q", code, out.String(), errOut.String())
	}
}

// TestValidateChecksScenariosAsTheServerDoes: chatemu validate refuses what
// --scenario and the control plane refuse (an unknown error code, an
// operation that does not exist or belongs to another vendor, a hold over
// ten minutes), with the nearest real names and every problem at once.
func TestValidateChecksScenariosAsTheServerDoes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"unknown error code", `{"name":"x","rules":[{"match":{"vendor":"imbachat"},"action":{"type":"error","code":"NO_SUCH_CODE"}}]}`,
			[]string{`imbachat has no error code "NO_SUCH_CODE"`}},
		{"unknown operation", `{"name":"x","rules":[{"match":{"operation":"imbachat.get_romos"},"action":{"type":"empty"}}]}`,
			[]string{`operation "imbachat.get_romos" matches no operation of any vendor; nearest: imbachat.get_rooms`}},
		{"another vendor's operation", `{"name":"x","rules":[{"match":{"vendor":"imbachat","operation":"bitrix24.imbot.chat.add"},"action":{"type":"empty"}}]}`,
			[]string{`operation "bitrix24.imbot.chat.add" matches no operation of imbachat`}},
		{"every problem at once", `{"name":"x","rules":[{"match":{"operation":"no_such_op"},"action":{"type":"empty"}},{"match":{"vendor":"imbox"},"action":{"type":"error","code":"NOPE"}}]}`,
			[]string{`rules/0`, `rules/1`}},
		{"a latency over ten minutes", `{"name":"x","rules":[{"action":{"type":"latency","delay":"87600h"}}]}`,
			[]string{`/rules/0/action/delay: delay and jitter add up to 87600h0m0s; a request is held 10m0s at most`}},
		{"a missing field", `{"name":"x","rules":[{"action":{"type":"truncate"}}]}`,
			[]string{`/rules/0/action: bytes is required`}},
		{"an unknown action", `{"name":"x","rules":[{"action":{"type":"timeoutt"}}]}`,
			[]string{`/rules/0/action/type: rules.0.action.type must be one of the following: "error", "status", "latency"`}},
	}
	for _, c := range cases {
		f := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".json")
		os.WriteFile(f, []byte(c.doc), 0o644)
		var out, errOut bytes.Buffer
		code := run([]string{"validate", f}, &out, &errOut)
		if code != 1 {
			t.Errorf("%s: exit %d, %q", c.name, code, out.String())
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("%s: %q does not say %q", c.name, errOut.String(), w)
			}
		}
		if strings.Contains(errOut.String(), "does not match") || strings.Contains(errOut.String(), "allOf") {
			t.Errorf("%s: an unclear message: %q", c.name, errOut.String())
		}
	}
}

// TestValidateImBoxFixtureReferences: chatemu validate checks what ImBox's
// schema cannot see. A file may build on the default fixtures and on the
// files before it; ids defined twice, references to nothing and impossible
// dates are reported together, each at its JSON path.
func TestValidateImBoxFixtureReferences(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	account := write("account.json", `{"imbox":{"accounts":[{"sid":7,"apiKey":"k7"}],
		"agents":[{"agentID":70,"sid":7,"agentName":"Ann","agentLastActive":"2024-01-01T00:00:00Z"}]}}`)
	chats := write("chats.json", `{"imbox":{"conversations":[
		{"sid":7,"conversationID":"V70","date":"2024-01-02T00:00:00Z",
		 "messages":[{"id":7001,"message":"hi","date":"2024-01-02T00:00:01Z","agentID":0},
		             {"id":7002,"message":"hello","date":"2024-01-02T00:00:02Z","agentID":70}]},
		{"sid":1,"conversationID":"V71","date":"2024-01-02T00:00:00Z",
		 "messages":[{"id":7101,"message":"hello","date":"2024-01-02T00:00:02Z","agentID":1}]}]}}`)
	broken := write("broken.json", `{"imbox":{
		"accounts":[{"sid":8,"apiKey":"k8"},{"sid":8,"apiKey":"k8b"}],
		"agents":[{"agentID":80,"sid":9,"agentName":"Nobody's","agentLastActive":"2024-01-01T00:00:00Z"}],
		"pageFilters":[{"id":80,"sid":8,"searchFilter":"x","matchType":"like"},{"id":80,"sid":8,"searchFilter":"y","matchType":"like"}],
		"conversations":[{"sid":8,"conversationID":"V80","date":"2024-02-30T00:00:00Z",
		  "messages":[{"id":7001,"message":"taken","date":"2024-03-01T00:00:00Z","agentID":0},
		              {"id":8002,"message":"by nobody","date":"2024-03-01T00:00:00Z","agentID":70}]}]}}`)
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", account, chats}, &out, &errOut); code != 0 || out.String() != account+": valid\n"+chats+": valid\n" {
		t.Fatalf("files building on each other and on the fixtures: exit %d, %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	code := run([]string{"validate", account, chats, broken}, &out, &errOut)
	want := broken + " is not valid:\n" +
		"  /imbox/accounts/1/sid: account sid 8 is defined twice in this section (also at /imbox/accounts/0/sid)\n" +
		"  /imbox/agents/0/sid: account sid 9 is not defined\n" +
		"  /imbox/pageFilters/1/id: page filter 80 is defined twice in this section (also at /imbox/pageFilters/0/id)\n" +
		"  /imbox/conversations/0/date: expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z, got \"2024-02-30T00:00:00Z\"\n" +
		"  /imbox/conversations/0/messages/0/id: message 7001 already belongs to conversation V70 of sid 7\n" +
		"  /imbox/conversations/0/messages/1/agentID: agent 70 is not an agent of sid 8\n"
	if code != 1 || errOut.String() != want {
		t.Errorf("broken file: exit %d\n%s\nwant\n%s", code, errOut.String(), want)
	}
	if code := run([]string{"validate", broken}, &out, &errOut); code != 1 {
		t.Errorf("alone, the broken file: exit %d", code)
	}
}

// TestValidateImbaChatFixtureReferences: chatemu validate applies fixture
// files in order over the default fixtures, as seeds are applied, so an
// ImbaChat section may refer to the default fixtures and to earlier files;
// what it refers to that exists nowhere is reported, every problem of the
// file at once, each at its JSON path.
func TestValidateImbaChatFixtureReferences(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a-widget.json": `{"imbachat":{"widgets":[{"imba_id":700,"secret_key":"k","login":"a","password":"b"}],
			"users":[{"id":9001,"imba_id":700,"remote_user_id":"1"}]}}`,
		"b-room.json": `{"imbachat":{"rooms":[{"id":9100,"imba_id":700,"name":"Seeded","type":1,"admin_id":9001,"members":[9001]}],
			"messages":[{"id":9200,"room_id":1536,"user_id":2046,"message":"in a default room","time":"2021-01-01 00:00:00"}]}}`,
		"c-broken.json": `{"imbachat":{"rooms":[{"id":9101,"imba_id":700,"name":"x","type":0,"admin_id":2046,"members":[9001,31337]},
			{"id":9101,"imba_id":888,"name":"y","type":0}],
			"messages":[{"id":9201,"room_id":5555,"user_id":9001,"message":"x","time":"0001-01-01 00:00:00"}]}}`,
	}
	path := map[string]string{}
	for name, doc := range files {
		path[name] = filepath.Join(dir, name)
		if err := os.WriteFile(path[name], []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", path["a-widget.json"], path["b-room.json"]}, &out, &errOut); code != 0 {
		t.Errorf("files referring to the defaults and to earlier files: exit %d, %q", code, errOut.String())
	}

	out.Reset()
	errOut.Reset()
	code := run([]string{"validate", path["a-widget.json"], path["b-room.json"], path["c-broken.json"]}, &out, &errOut)
	want := path["c-broken.json"] + " is not valid:\n" +
		"  /imbachat/rooms/0/admin_id: user 2046 is a user of widget 627, not of widget 700\n" +
		"  /imbachat/rooms/0/members/1: no user 31337: neither the section nor the state holds one\n" +
		"  /imbachat/rooms/1/id: room 9101 is defined twice in the section, first at /imbachat/rooms/0\n" +
		"  /imbachat/messages/0/time: 0001-01-01 00:00:00 is before 1970-01-01 00:00:00: ImbaChat's dates are unix timestamps\n" +
		"  /imbachat/messages/0/room_id: no room 5555: neither the section nor the state holds one\n"
	if code != 1 || errOut.String() != want {
		t.Errorf("broken file: exit %d\n%s\nwant\n%s", code, errOut.String(), want)
	}
	if want := path["a-widget.json"] + ": valid\n" + path["b-room.json"] + ": valid\n"; out.String() != want {
		t.Errorf("valid files: %q, want %q", out.String(), want)
	}

	// Alone, the room file refers to a widget and a user no file defines.
	out.Reset()
	errOut.Reset()
	code = run([]string{"validate", path["b-room.json"]}, &out, &errOut)
	for _, w := range []string{"/imbachat/rooms/0/imba_id: no widget 700", "/imbachat/rooms/0/admin_id: no user 9001", "/imbachat/rooms/0/members/0: no user 9001"} {
		if code != 1 || !strings.Contains(errOut.String(), w) {
			t.Errorf("room file alone: exit %d, %q does not say %q", code, errOut.String(), w)
		}
	}
}

// TestValidateBitrix24FixtureReferences: chatemu validate reports every
// problem of a Bitrix24 section a schema cannot see at once, at its JSON
// path (references to nothing, ids defined twice, strings past their
// bounds); a file may refer to the default fixtures and to the files
// before it.
func TestValidateBitrix24FixtureReferences(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"bitrix24":{"portals":[{"name":"default",
		"users":[{"id":60},{"id":60}],
		"chats":[{"id":70,"title":"`+strings.Repeat("t", 256)+`","owner_id":999,"users":[39,998]}],
		"tokens":[{"access_token":"t2","client_id":"nope","user_id":1}],
		"sessions":[{"id":9,"chat_id":71,"line_id":6,"client_id":100}]}]}}`), 0o644)
	var out, errOut bytes.Buffer
	want := bad + ` is not valid:
  /bitrix24/portals/0/chats/0/owner_id: user 999 does not exist on portal "default"
  /bitrix24/portals/0/chats/0/title: at most 255 characters, got 256
  /bitrix24/portals/0/chats/0/users/1: user 998 does not exist on portal "default"
  /bitrix24/portals/0/sessions/0/chat_id: chat 71 does not exist on portal "default"
  /bitrix24/portals/0/sessions/0/line_id: open line 6 does not exist on portal "default"
  /bitrix24/portals/0/tokens/0/client_id: application "nope" is not installed on portal "default"
  /bitrix24/portals/0/users/1/id: user 60 is already defined at /bitrix24/portals/0/users/0
`
	if code := run([]string{"validate", bad}, &out, &errOut); code != 1 || errOut.String() != want {
		t.Errorf("exit %d\n%s\nwant\n%s", code, errOut.String(), want)
	}

	first := filepath.Join(dir, "first.json")
	second := filepath.Join(dir, "second.json")
	os.WriteFile(first, []byte(`{"bitrix24":{"portals":[{"name":"default","users":[{"id":80}]}]}}`), 0o644)
	os.WriteFile(second, []byte(`{"bitrix24":{"portals":[{"name":"default","chats":[{"id":71,"owner_id":80,"users":[39,1,80]}],
		"sessions":[{"id":9,"chat_id":71,"line_id":1,"client_id":80}]}]}}`), 0o644)
	out.Reset()
	errOut.Reset()
	if code := run([]string{"validate", first, second}, &out, &errOut); code != 0 || out.String() != first+": valid\n"+second+": valid\n" {
		t.Errorf("references to the defaults and an earlier file: exit %d %q %q", code, out.String(), errOut.String())
	}
}
