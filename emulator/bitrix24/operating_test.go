package bitrix24_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// opTime is the time block's operating figures of an answer.
type opTime struct {
	ResetAt *int64   `json:"operating_reset_at"`
	Seconds *float64 `json:"operating"`
}

func opTimeOf(t *testing.T, body string) opTime {
	t.Helper()
	var env struct {
		Time *opTime `json:"time"`
	}
	decodeInto(t, body, &env)
	if env.Time == nil {
		t.Fatalf("no time block: %s", body)
	}
	return *env.Time
}

func (o opTime) is(t *testing.T, what string, seconds float64, resetAt int64) {
	t.Helper()
	if o.Seconds == nil || o.ResetAt == nil || *o.Seconds != seconds || *o.ResetAt != resetAt {
		t.Fatalf("%s: operating %v, reset at %v; want %v, %d", what, ptr(o.Seconds), ptr(o.ResetAt), seconds, resetAt)
	}
}

func ptr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

const operationTimeLimit = `{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit."}`

// TestOperatingLimit: with a cost per call, a method's time accumulates
// over the window, the time block reports it, and past the limit the
// method answers 429 OPERATION_TIME_LIMIT while other methods go on; the
// emulator clock moves the ten one-minute buckets out of the window.
func TestOperatingLimit(t *testing.T) {
	t.Parallel()
	srv := start(t)
	seedPortal(t, srv, `{"name":"default","operating_limit":{"call_seconds":100}}`)
	t0 := fixedNow.Unix()
	rev := req{path: tok("imopenlines.revision.get", "")}
	for i := 1; i <= 5; i++ { // 400 s used before the fifth call: under the 480 s limit
		st, body := send(t, srv, rev)
		if st != http.StatusOK {
			t.Fatalf("call %d: %d %s", i, st, body)
		}
		validate(t, rev.path, st, body)
		opTimeOf(t, body).is(t, fmt.Sprintf("call %d", i), float64(100*i), t0+600)
	}
	expect(t, srv, rev, http.StatusTooManyRequests, operationTimeLimit)
	// the time used is state: a snapshot carries it
	srv.LoadState(t, srv.SaveState(t))
	expect(t, srv, rev, http.StatusTooManyRequests, operationTimeLimit)
	// another method has its own budget
	st, body := send(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13")})
	if st != http.StatusOK {
		t.Fatalf("other method: %d %s", st, body)
	}
	opTimeOf(t, body).is(t, "other method", 100, t0+600)
	// the bucket of 12:19 counts until 12:28:59, though the server reports
	// its release at the first call's start plus ten minutes
	srv.Advance(9*time.Minute + 20*time.Second)
	expect(t, srv, rev, http.StatusTooManyRequests, operationTimeLimit)
	srv.Advance(time.Second)
	st, body = send(t, srv, rev)
	if st != http.StatusOK {
		t.Fatalf("after the window: %d %s", st, body)
	}
	now := srv.Now().Unix()
	opTimeOf(t, body).is(t, "after the window", 100, now+600)
	// a failed call costs nothing
	if st, _ := send(t, srv, req{path: tok("imbot.chat.user.list", "")}); st != http.StatusBadRequest {
		t.Fatalf("failing call: %d", st)
	}
	st, body = send(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13")})
	if st != http.StatusOK {
		t.Fatalf("other method again: %d %s", st, body)
	}
	opTimeOf(t, body).is(t, "other method after the window", 100, now+600)
}

// TestOperatingLimitDefaults: a portal without settings reports a method
// that cost nothing; an inactive limiter (on-premise) reports nothing;
// method_seconds prices methods one by one; calls of 0.1 s or less are not
// counted, as on the server.
func TestOperatingLimitDefaults(t *testing.T) {
	t.Parallel()
	t0 := fixedNow.Unix()
	t.Run("cloud default", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		for i := 0; i < 3; i++ {
			_, body := send(t, srv, req{path: hook("imopenlines.revision.get")})
			opTimeOf(t, body).is(t, "default", 0, t0+600)
		}
	})
	t.Run("inactive", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","operating_limit":{"active":false,"call_seconds":1000}}`)
		for i := 0; i < 3; i++ {
			expect(t, srv, req{path: hook("imopenlines.revision.get")}, http.StatusOK,
				`{"result":{"rest":2,"web":1,"mobile":1},"time":{"start":1771935579,"finish":1771935579.0,"duration":0.0,"processing":0,`+
					`"date_start":"2026-02-24T12:19:39+00:00","date_finish":"2026-02-24T12:19:39+00:00"}}`)
		}
	})
	t.Run("method_seconds and the minimal time", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","operating_limit":{"call_seconds":0.1,"method_seconds":{"IMBOT.CHAT.USER.LIST":2.5},"limit_seconds":4}}`)
		for i := 0; i < 2; i++ {
			_, body := send(t, srv, req{path: hook("imopenlines.revision.get")})
			opTimeOf(t, body).is(t, "0.1 s call", 0, t0+600)
		}
		list := req{path: hook("imbot.chat.user.list?CHAT_ID=13&CLIENT_ID=chatemu")}
		_, body := send(t, srv, list)
		opTimeOf(t, body).is(t, "first list", 2.5, t0+600)
		_, body = send(t, srv, list)
		opTimeOf(t, body).is(t, "second list", 5, t0+600)
		expect(t, srv, list, http.StatusTooManyRequests, operationTimeLimit)
	})
}

// TestOperatingLimitScope: the docs block a method "for all applications
// and webhooks of that account"; a strict portal keys the time on the
// credential, as the server's LoadLimiter does.
func TestOperatingLimitScope(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprint("strict ", strict), func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			seedPortal(t, srv, fmt.Sprintf(`{"name":"default","strict":%v,"operating_limit":{"call_seconds":300}}`, strict))
			for i := 0; i < 2; i++ {
				if st, body := send(t, srv, req{path: hook("imopenlines.revision.get")}); st != http.StatusOK {
					t.Fatalf("webhook call %d: %d %s", i, st, body)
				}
			}
			st, body := send(t, srv, req{path: tok("imopenlines.revision.get", "")})
			if strict {
				if st != http.StatusOK {
					t.Fatalf("the application's own budget: %d %s", st, body)
				}
				opTimeOf(t, body).is(t, "application", 300, fixedNow.Unix()+600)
			} else if st != http.StatusTooManyRequests || body != operationTimeLimit {
				t.Fatalf("the portal's budget is spent: %d %s", st, body)
			}
		})
	}
}

// TestOperatingLimitBatch: batch itself is neither counted nor blocked;
// each command is, and its result_time carries its figures; a blocked
// command lands in result_error with the server's code and text.
func TestOperatingLimitBatch(t *testing.T) {
	t.Parallel()
	srv := start(t)
	seedPortal(t, srv, `{"name":"default","operating_limit":{"call_seconds":200}}`)
	r := req{path: hook("batch"), json: `{"cmd":{"a":"imopenlines.revision.get","b":"imopenlines.revision.get",` +
		`"c":"imopenlines.revision.get","d":"imopenlines.revision.get"}}`}
	st, body := send(t, srv, r)
	if st != http.StatusOK {
		t.Fatalf("batch: %d %s", st, body)
	}
	validate(t, r.path, st, body)
	var b struct {
		Result struct {
			ResultTime  map[string]opTime          `json:"result_time"`
			ResultError map[string]json.RawMessage `json:"result_error"`
		} `json:"result"`
	}
	decodeInto(t, body, &b)
	t0 := fixedNow.Unix()
	b.Result.ResultTime["a"].is(t, "a", 200, t0+600)
	b.Result.ResultTime["b"].is(t, "b", 400, t0+600)
	b.Result.ResultTime["c"].is(t, "c", 600, t0+600)
	if got := string(b.Result.ResultError["d"]); got != operationTimeLimit || len(b.Result.ResultError) != 1 {
		t.Fatalf("result_error: %v", b.Result.ResultError)
	}
	opTimeOf(t, body).is(t, "batch", 0, t0+600)
	// the batch call goes on while its commands are blocked
	st, body = send(t, srv, r)
	if st != http.StatusOK {
		t.Fatalf("second batch: %d %s", st, body)
	}
	var again struct {
		Result struct {
			ResultError map[string]json.RawMessage `json:"result_error"`
		} `json:"result"`
	}
	decodeInto(t, body, &again)
	if len(again.Result.ResultError) != 4 {
		t.Fatalf("second batch errors: %v", again.Result.ResultError)
	}
	if calls := srv.Calls("bitrix24.imopenlines.revision.get", nil); len(calls) != 8 || calls[3].Status != http.StatusTooManyRequests ||
		calls[3].Error != "OPERATION_TIME_LIMIT" {
		t.Fatalf("journal: %+v", calls)
	}
}
