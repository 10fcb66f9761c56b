package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

// The hostile check: each kind of request an outside audit found could
// cost gigabytes or seconds, sent n times to one chatemu process, one at a
// time. It reports the process's resident memory after each kind and at
// its peak, and the CPU time the server spent per request (mean, and the
// largest single request, read from /proc at a 10 ms resolution), and
// fails when the peak passes maxHostileRSS or any one request
// maxHostileCPU.
const (
	maxHostileRSS = 200 << 20
	maxHostileCPU = 50 * time.Millisecond
)

// hostileKind builds one request of a kind.
type hostileKind struct {
	name  string
	build func(base string) *http.Request
	// setup, when set, runs once before the kind's requests.
	setup func(base string) error
}

// hostileKinds are the kinds; silent is a handler URL that never answers.
func hostileKinds(silent string) []hostileKind {
	form := func(url, body string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	jsonReq := func(url, body string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	const maxBody = 8 << 20
	return []hostileKind{
		{name: "small parameters and 8 MiB of '&', no credentials", build: func(base string) *http.Request {
			return form(base+"/imbachat/v2/627/get_users", "status=admin&"+strings.Repeat("&", maxBody-len("status=admin&")))
		}},
		{name: "8 MiB of empty JSON arrays", build: func(base string) *http.Request {
			n := (maxBody - 16) / 3
			return jsonReq(base+"/rest/1/abc/imbot.chat.get", `{"a":[`+strings.TrimSuffix(strings.Repeat("[],", n), ",")+`]}`)
		}},
		{name: "a path of 900 KB", build: func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+"/rest/1/abc/"+strings.Repeat("x", 900<<10), nil)
			return r
		}},
		{name: "an unknown path of 40,000 segments", build: func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+"/rest/1/abc"+strings.Repeat("/imbot.chat.updatetitlx", 40000), nil)
			return r
		}},
		{name: "a batch multiplying $result references", build: func(base string) *http.Request {
			var b strings.Builder
			b.WriteString(`{"auth":"test-access-token","halt":0,"cmd":{"d0":"imbot.dialog.get?DIALOG_ID=chat13"`)
			for i := 1; i <= 6; i++ {
				fmt.Fprintf(&b, `,"u%d":"imbot.chat.updateTitle?CHAT_ID=13&TITLE=%s","d%d":"imbot.dialog.get?DIALOG_ID=chat13"`,
					i, strings.Repeat(fmt.Sprintf("$result[d%d][name]", i-1), 16), i)
			}
			b.WriteString(`}}`)
			return jsonReq(base+"/rest/batch", b.String())
		}},
		{name: "8 KB messages to a bot whose handler never answers (queued events)",
			setup: func(base string) error {
				resp, err := http.PostForm(base+"/rest/1/abc/imbot.register", url.Values{"CLIENT_ID": {"silent"},
					"CODE": {"silent"}, "EVENT_HANDLER": {silent}, "PROPERTIES[NAME]": {"Silent"}})
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				if resp.StatusCode != 200 {
					return fmt.Errorf("imbot.register: %s", resp.Status)
				}
				return nil
			},
			build: func(base string) *http.Request {
				return jsonReq(base+"/_emulator/bitrix24/portals/default/dialogs/101/messages",
					`{"from":1,"text":"`+strings.Repeat("[USER=101]x[/USER] ", 8<<10/20)+`"}`)
			}},
	}
}

// runHostile sends n requests of every kind and reports; an error when a
// bound is passed.
func runHostile(cfg config, chatemuBin string) error {
	emu, err := startServer("chatemu", chatemuBin, []string{"-addr", "127.0.0.1:0"}, nil)
	if err != nil {
		return err
	}
	defer emu.stop()
	base := "http://" + emu.addr
	client := &http.Client{Timeout: time.Minute}
	// A handler that takes every delivery and never answers: events pile
	// up in chatemu's queue until its bounds drop them.
	hold := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	defer close(hold)
	out := cfg.out
	fmt.Fprintf(out, "hostile requests: %d of each kind to one chatemu process, one at a time\n\n", cfg.hostile)
	fmt.Fprintf(out, "| kind | status | CPU per request (mean) | largest request | RSS after |\n|---|---|---|---|---|\n")
	var failed []string
	for _, k := range hostileKinds(silent.URL + "/events") {
		if k.setup != nil {
			if err := k.setup(base); err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
		}
		var total, worst time.Duration
		status := 0
		for i := 0; i < cfg.hostile; i++ {
			req := k.build(base)
			before := processCPU(emu.pid())
			resp, err := client.Do(req)
			if err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
			d := processCPU(emu.pid()) - before
			total += d
			worst = max(worst, d)
		}
		cur, _, err := rss(emu.pid())
		if err != nil {
			return err
		}
		mean := total / time.Duration(cfg.hostile)
		fmt.Fprintf(out, "| %s | %d | %s | %s | %s |\n", k.name, status, ms(float64(mean)), ms(float64(worst)), mib(cur))
		if worst > maxHostileCPU {
			failed = append(failed, fmt.Sprintf("%s: a request took %s of CPU (mean %s)", k.name, ms(float64(worst)), ms(float64(mean))))
		}
	}
	_, peak, err := rss(emu.pid())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\npeak RSS: %s (bound %s)\n", mib(peak), mib(maxHostileRSS))
	if peak > maxHostileRSS {
		failed = append(failed, "peak RSS "+mib(peak))
	}
	if len(failed) > 0 {
		var b bytes.Buffer
		for _, f := range failed {
			b.WriteString("\n  " + f)
		}
		return fmt.Errorf("bounds passed:%s", b.String())
	}
	return nil
}
