package testkit_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// nopTB is a testing.TB for Examples, which have none; recordTB records
// failures so that the verification helpers' own failures can be tested.
type nopTB struct{ testing.TB }

func (nopTB) Helper()                           {}
func (nopTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

type recordTB struct {
	testing.TB
	errors []string
}

func (r *recordTB) Helper()           {}
func (r *recordTB) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }

func TestInstancesAreIsolated(t *testing.T) {
	t.Parallel()
	for i := 0; i < 4; i++ {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			form := url.Values{"imba_id": {"209"}, "login": {"admin"}, "password": {"admin"}}
			resp, err := http.PostForm(emu.ImbaChatURL()+"/imbachat/v1/widget/imba_rooms", form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// Every instance starts from the fixtures: each one's first room is 1854.
			emu.AssertCalled(t, "imbachat.imba_rooms", nil, 1)
			if got := emu.Calls("imbachat.imba_rooms", nil)[0].Status; got != 200 {
				t.Errorf("status %d", got)
			}
		})
	}
}

func TestAssertCalledExplainsWhatWasCalled(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	rec := &recordTB{TB: t}
	emu.AssertCalled(rec, "imbachat.send_msg", testkit.Params{"room_id": "1536"}, 1)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "no request reached the emulator") {
		t.Fatalf("failure message: %q", rec.errors)
	}
	req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/627/send_msg", strings.NewReader("user_id=1&room_id=1314&message=hi"))
	req.SetBasicAuth("627", "secret_key")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rec = &recordTB{TB: t}
	emu.AssertCalled(rec, "imbachat.send_msg", testkit.Params{"room_id": "1536"}, 1)
	want := "chatemu: imbachat.send_msg with map[room_id:1536] was called 0 times, want 1\nrequests received:\n  #1 POST /imbachat/v2/627/send_msg -> 200 imbachat.send_msg map[message:hi room_id:1314 user_id:1]"
	if len(rec.errors) != 1 || rec.errors[0] != want {
		t.Errorf("failure message:\n%q\nwant\n%q", rec.errors, want)
	}
	rec = &recordTB{TB: t}
	emu.AssertCalled(rec, "imbachat.send_msg", testkit.Params{"room_id": "1314", "message": "hi"}, 1)
	if len(rec.errors) != 0 {
		t.Errorf("unexpected failure: %v", rec.errors)
	}
}

func TestResetAndSeed(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t, testkit.WithSeedData([]byte(`{"imbachat":{"users":[{"id":9000,"imba_id":627,"remote_user_id":"77"}]}}`)))
	count := func() int {
		req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/627/get_users", nil)
		req.SetBasicAuth("627", "secret_key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), `"remote_user_id"`)
	}
	if n := count(); n != 3 {
		t.Fatalf("fixtures + seed data: %d users, want 3", n)
	}
	emu.Seed(t, []byte(`{"imbachat":{"users":[{"id":9001,"imba_id":627,"remote_user_id":"78"}]}}`))
	if n := count(); n != 4 {
		t.Fatalf("after Seed: %d users, want 4", n)
	}
	emu.Reset(t)
	if n := count(); n != 3 {
		t.Errorf("after Reset (seed data of the options stays, runtime seed goes): %d users, want 3", n)
	}
}

// TestOperationNamesWithOrWithoutVendor: the journal's helpers take an
// operation's name as fault rules do, with or without the vendor prefix.
func TestOperationNamesWithOrWithoutVendor(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	resp, err := http.PostForm(emu.Bitrix24WebhookURL()+"imbot.chat.updateTitle", url.Values{"CHAT_ID": {"13"}, "TITLE": {"renamed"}, "CLIENT_ID": {"chatemu"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, name := range []string{"bitrix24.imbot.chat.updateTitle", "imbot.chat.updateTitle", "IMBOT.CHAT.UPDATETITLE"} {
		emu.AssertCalled(t, name, testkit.Params{"CHAT_ID": "13"}, 1)
	}
	if n := len(emu.Calls("chat.updateTitle", nil)); n != 0 {
		t.Errorf("a part of a name matched %d calls", n)
	}
}
