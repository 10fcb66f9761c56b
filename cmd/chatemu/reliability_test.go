package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// post sends a form to the running binary and returns the status and body.
func post(client *http.Client, base, path string, form url.Values, basic ...string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// stateDocuments exports the instance's state (GET /_emulator/state).
func stateDocuments(t *testing.T, base string) map[string]json.RawMessage {
	t.Helper()
	resp, err := http.Get(base + "/_emulator/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap struct {
		Documents map[string]json.RawMessage `json:"documents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || resp.StatusCode != 200 {
		t.Fatalf("state export: %d %v", resp.StatusCode, err)
	}
	return snap.Documents
}

// write is one acknowledged write of the load: the document it created and
// the field that must hold its value.
type write struct {
	key, field, value string
}

// writeLoad runs workers that create ImbaChat rooms and Bitrix24 chats,
// each with a title of its own, until stop is closed, and records every
// write the server acknowledged (a 200 with the new id).
type writeLoad struct {
	mu    sync.Mutex
	acked []write
	wg    sync.WaitGroup
}

func (l *writeLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

func (l *writeLoad) start(base string, round, workers int, stop <-chan struct{}) {
	for w := 0; w < workers; w++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				title := fmt.Sprintf("r%d-w%d-%d", round, w, i)
				var key, field string
				if w%2 == 0 {
					status, body, err := post(client, base, "/imbachat/v1/widget/imba_rooms", url.Values{
						"imba_id": {"209"}, "login": {"admin"}, "password": {"admin"}, "room_title": {title}, "users_ids[0]": {"3"}})
					var out struct {
						Data []struct {
							RoomID int64 `json:"roomId"`
						} `json:"data"`
					}
					if err != nil || status != 200 || json.Unmarshal(body, &out) != nil || len(out.Data) != 1 {
						continue // not acknowledged (the process is gone, or going)
					}
					key, field = fmt.Sprintf("imbachat:room:%012d", out.Data[0].RoomID), "name"
				} else {
					status, body, err := post(client, base, "/rest/1/abc/imbot.chat.add", url.Values{
						"CLIENT_ID": {"chatemu"}, "USERS[]": {"2"}, "TITLE": {title}})
					var out struct {
						Result int64 `json:"result"`
					}
					if err != nil || status != 200 || json.Unmarshal(body, &out) != nil || out.Result == 0 {
						continue
					}
					key, field = fmt.Sprintf("bitrix24:default:chat:%012d", out.Result), "title"
				}
				l.mu.Lock()
				l.acked = append(l.acked, write{key: key, field: field, value: title})
				l.mu.Unlock()
			}
		}()
	}
}

// verify checks that every acknowledged write is in the state, and that
// no id was handed out twice.
func (l *writeLoad) verify(t *testing.T, base string) {
	t.Helper()
	docs := stateDocuments(t, base)
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]string{}
	for _, w := range l.acked {
		if prev, dup := seen[w.key]; dup {
			t.Errorf("%s was acknowledged for %q and again for %q", w.key, prev, w.value)
		}
		seen[w.key] = w.value
		raw, ok := docs[w.key]
		if !ok {
			t.Errorf("acknowledged write lost: %s (%s %q)", w.key, w.field, w.value)
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil || doc[w.field] != w.value {
			t.Errorf("%s holds %s, want %s %q", w.key, raw, w.field, w.value)
		}
	}
}

// TestKillDuringWritesKeepsAcknowledged kills chatemu with SIGKILL in the
// middle of a write load, three times over, restarting it on the same data
// file each time: every write it acknowledged is there after each restart,
// no id is handed out twice, and the file always opens.
func TestKillDuringWritesKeepsAcknowledged(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "chatemu.db")
	load := &writeLoad{}
	const rounds, workers, perRound = 3, 8, 100
	for round := 0; round < rounds; round++ {
		p := startBinary(t, nil, "--data", data)
		load.verify(t, p.base)
		before := load.count()
		stop := make(chan struct{})
		load.start(p.base, round, workers, stop)
		deadline := time.Now().Add(20 * time.Second)
		for load.count() < before+perRound && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		close(stop)
		load.wg.Wait()
		if load.count() < before+perRound {
			t.Fatalf("round %d: only %d writes acknowledged in 20s: %s", round, load.count()-before, p.out)
		}
	}
	p := startBinary(t, nil, "--data", data)
	load.verify(t, p.base)
	// The sequences survived with the documents: a new room gets a new id.
	status, body, err := post(http.DefaultClient, p.base, "/imbachat/v1/widget/imba_rooms", url.Values{
		"imba_id": {"209"}, "login": {"admin"}, "password": {"admin"}, "room_title": {"after"}})
	if err != nil || status != 200 {
		t.Fatalf("create after the restarts: %d %s %v", status, body, err)
	}
	var out struct {
		Data []struct {
			RoomID int64 `json:"roomId"`
		} `json:"data"`
	}
	json.Unmarshal(body, &out)
	if key := fmt.Sprintf("imbachat:room:%012d", out.Data[0].RoomID); load.has(key) {
		t.Errorf("room id %d handed out again after the restarts", out.Data[0].RoomID)
	}
	t.Logf("%d acknowledged writes over %d kills", load.count(), rounds)
}

// has reports whether key was acknowledged as a write of the load.
func (l *writeLoad) has(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.acked {
		if w.key == key {
			return true
		}
	}
	return false
}

// TestGracefulShutdownFinishesWritesAndFlushes: a write in flight when
// SIGTERM arrives completes and is answered, the process exits 0, and a
// restart on the same data file has it.
func TestGracefulShutdownFinishesWritesAndFlushes(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "chatemu.db")
	p := startBinary(t, nil, "--data", data)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(ctx, "POST", p.base+"/imbachat/v1/widget/imba_rooms", pr)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	type answer struct {
		status int
		body   string
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- answer{resp.StatusCode, string(b), err}
	}()
	pw.Write([]byte("imba_id=209&login=admin&password=admin&users_ids[0]=3&room_title=In%20flight"))
	// pw.Write returned: the client is connected and its headers are out;
	// a moment more lets the server take the request in.
	time.Sleep(200 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, p, "shutting down", func() bool { return strings.Contains(p.out.String(), "shutting down") })
	pw.Write([]byte("&room_is_public=1"))
	pw.Close()
	a := <-done
	if a.err != nil || a.status != 200 || !strings.Contains(a.body, `"roomId":1854`) {
		t.Fatalf("in-flight write during shutdown: %d %s %v", a.status, a.body, a.err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.out)
	}

	p2 := startBinary(t, nil, "--data", data)
	docs := stateDocuments(t, p2.base)
	var room struct {
		Name     string `json:"name"`
		IsPublic int    `json:"is_public"`
	}
	if err := json.Unmarshal(docs["imbachat:room:000000001854"], &room); err != nil || room.Name != "In flight" || room.IsPublic != 1 {
		t.Errorf("the write answered during shutdown is not in the data file: %s", docs["imbachat:room:000000001854"])
	}
}

// waitForLog polls cond for up to 10s.
func waitForLog(t *testing.T, p *process, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited 10s for %s: %s", what, p.out)
}

// TestDamagedDataFileStopsTheBinary: the binary refuses to start on a
// damaged data file, exits 1 and says which file, where and what to do.
func TestDamagedDataFileStopsTheBinary(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "chatemu.db")
	if err := os.WriteFile(data, []byte("*3\r\n$3\r\nset\r\n$1\r\na\r\n$2\r\n{}\r\nnot a command\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, "--addr", "127.0.0.1:0", "--data", data).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	want := "chatemu: data file " + data + " is damaged at byte 28: expected a command ('*'), found \"not a command\\r\\n\""
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "move it away") {
		t.Errorf("output:\n%s\nwant it to contain\n%s", out, want)
	}
}

// TestAdminTokenWarning: without --admin-token chatemu warns when it
// listens beyond loopback, and only then.
func TestAdminTokenWarning(t *testing.T) {
	t.Parallel()
	const warning = "the control plane is open to the network"
	cases := []struct {
		name string
		env  []string
		args []string
		warn bool
	}{
		{"all interfaces, no token", nil, []string{"--addr", "0.0.0.0:0"}, true},
		{"all interfaces, a token", nil, []string{"--addr", "0.0.0.0:0", "--admin-token", "s3cret"}, false},
		{"all interfaces, a token from the environment", []string{"CHATEMU_ADMIN_TOKEN=s3cret"}, []string{"--addr", "0.0.0.0:0"}, false},
		{"loopback, no token", nil, []string{"--addr", "127.0.0.1:0"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := append([]string{"CHATEMU_ADMIN_TOKEN="}, tc.env...)
			p := startBinary(t, env, tc.args...)
			protected := len(tc.env) > 0 || strings.Contains(strings.Join(tc.args, " "), "--admin-token")
			resp, err := http.Get(p.base + "/_emulator/requests")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := map[bool]int{true: 401, false: 200}[protected]; resp.StatusCode != want {
				t.Errorf("control plane without a token: %d, want %d", resp.StatusCode, want)
			}
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := p.cmd.Wait(); err != nil {
				t.Fatalf("exit: %v %s", err, p.out)
			}
			if got := strings.Contains(p.out.String(), warning); got != tc.warn {
				t.Errorf("warned %v, want %v:\n%s", got, tc.warn, p.out)
			}
		})
	}
}

// TestSlowClientsAreDisconnected: with short --read-header-timeout and
// --read-timeout, a client that sends nothing, one that dribbles its headers
// and one that dribbles its body all lose their connection within loose
// bounds, while a prompt client on the same server is served.
func TestSlowClientsAreDisconnected(t *testing.T) {
	t.Parallel()
	p := startBinary(t, nil, "--read-header-timeout", "300ms", "--read-timeout", "1s")
	addr := strings.TrimPrefix(p.base, "http://")
	const bound = 8 * time.Second // far above the timeouts: no tight timing
	cases := []struct {
		name string
		send func(c net.Conn) error
	}{
		{"sends nothing", func(net.Conn) error { return nil }},
		{"dribbles its headers", func(c net.Conn) error {
			head := "POST /imbachat/v2/627/get_users HTTP/1.1\r\nHost: x\r\nAuthorization: Basic NjI3OnNlY3JldF9rZXk=\r\nX-Pad: " + strings.Repeat("a", 100) + "\r\n\r\n"
			for i := 0; i < len(head); i++ {
				if _, err := c.Write([]byte{head[i]}); err != nil {
					return err
				}
				time.Sleep(50 * time.Millisecond)
			}
			return nil
		}},
		{"dribbles its body", func(c net.Conn) error {
			if _, err := io.WriteString(c, "POST /imbachat/v2/627/get_users HTTP/1.1\r\nHost: x\r\nAuthorization: Basic NjI3OnNlY3JldF9rZXk=\r\n"+
				"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"); err != nil {
				return err
			}
			for i := 0; i < 200; i++ {
				if _, err := c.Write([]byte("a")); err != nil {
					return err
				}
				time.Sleep(50 * time.Millisecond)
			}
			return nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			go tc.send(c) // fails once the server hangs up
			c.SetReadDeadline(start.Add(bound))
			// Whatever the server answers (a 400 for a body cut short), it
			// must then close the connection.
			var answer strings.Builder
			_, err = io.Copy(&answer, c)
			elapsed := time.Since(start)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open after %v: %q", bound, answer.String())
			}
			if strings.HasPrefix(answer.String(), "HTTP/1.1 200") {
				t.Errorf("a slow client was served: %q", answer.String())
			}
			if tc.name == "dribbles its body" && (!strings.HasPrefix(answer.String(), "HTTP/1.1 400") ||
				!strings.HasSuffix(answer.String(), `{"success":false,"code":400,"message":"the request body did not arrive within the server's read timeout","data":[]}`)) {
				t.Errorf("a body cut short by the read timeout must get ImbaChat's 400: %q", answer.String())
			}
			t.Logf("closed after %v, answer %q", elapsed.Round(time.Millisecond), firstLine(answer.String()))
		})
	}
	t.Run("a prompt client", func(t *testing.T) {
		t.Parallel()
		status, body, err := post(http.DefaultClient, p.base, "/imbachat/v2/627/get_users", url.Values{"status": {"admin"}}, "627", "secret_key")
		if err != nil || status != 200 {
			t.Errorf("prompt client: %d %s %v", status, body, err)
		}
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// TestOversizedHeadersAre431: headers beyond --max-header-bytes (1 MiB by
// default) are refused with 431 before any vendor sees them; headers within
// it are served.
func TestOversizedHeadersAre431(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		size   int
		status int
	}{
		{"default limit, 1.5 MiB", nil, 3 << 19, 431},
		{"default limit, 512 KiB", nil, 1 << 19, 200},
		{"--max-header-bytes 16384, 32 KiB", []string{"--max-header-bytes", "16384"}, 32 << 10, 431},
		{"--max-header-bytes 16384, 8 KiB", []string{"--max-header-bytes", "16384"}, 8 << 10, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startBinary(t, nil, tc.args...)
			c, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			go io.WriteString(c, "POST /imbachat/v2/627/get_users HTTP/1.1\r\nHost: x\r\nAuthorization: Basic NjI3OnNlY3JldF9rZXk=\r\n"+
				"Content-Length: 0\r\nX-Big: "+strings.Repeat("b", tc.size)+"\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

// TestServerLimitFlags: the limits come from flags, or from their
// environment variables, and bad values stop start-up.
func TestServerLimitFlags(t *testing.T) {
	t.Setenv("CHATEMU_READ_HEADER_TIMEOUT", "2s")
	t.Setenv("CHATEMU_IDLE_TIMEOUT", "5s")
	t.Setenv("CHATEMU_SHUTDOWN_TIMEOUT", "3s")
	o, err := parseFlags([]string{"--read-timeout", "7s", "--write-timeout", "1m", "--max-header-bytes", "65536"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := serverLimits{readHeaderTimeout: 2 * time.Second, readTimeout: 7 * time.Second, writeTimeout: time.Minute,
		idleTimeout: 5 * time.Second, maxHeaderBytes: 65536}
	if o.limits != want || o.shutdownTimeout != 3*time.Second {
		t.Errorf("limits %+v shutdown %v, want %+v 3s", o.limits, o.shutdownTimeout, want)
	}
	logger, _ := newLogger("error", io.Discard)
	srv := newServer(http.NotFoundHandler(), o.limits, logger)
	if srv.ReadHeaderTimeout != 2*time.Second || srv.ReadTimeout != 7*time.Second || srv.WriteTimeout != time.Minute ||
		srv.IdleTimeout != 5*time.Second || srv.MaxHeaderBytes != 65536 {
		t.Errorf("server %+v", srv)
	}
	if o.eventTimeout != 5*time.Second {
		t.Errorf("default event timeout %v, want 5s", o.eventTimeout)
	}
	t.Setenv("CHATEMU_EVENT_TIMEOUT", "750ms")
	if o, err := parseFlags(nil, io.Discard); err != nil || o.eventTimeout != 750*time.Millisecond {
		t.Errorf("CHATEMU_EVENT_TIMEOUT: %v %v", o, err)
	}
	if o, err := parseFlags([]string{"--event-timeout", "2s"}, io.Discard); err != nil || o.eventTimeout != 2*time.Second {
		t.Errorf("--event-timeout over the environment: %v %v", o, err)
	}
	for _, bad := range [][]string{{"--read-timeout", "-1s"}, {"--max-header-bytes", "100"}, {"--shutdown-timeout", "-2s"},
		{"--event-timeout", "0s"}, {"--event-timeout", "11m"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
	t.Setenv("CHATEMU_WRITE_TIMEOUT", "soon")
	if _, err := parseFlags(nil, io.Discard); err == nil || !strings.Contains(err.Error(), `CHATEMU_WRITE_TIMEOUT must be a duration such as 30s, got "soon"`) {
		t.Errorf("bad environment value: %v", err)
	}
}
