package testkit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// A chat bot written as its authors would write it: it registers itself
// through an incoming webhook with its event handler's URL, receives
// ONIMBOTMESSAGEADD there (a PHP form post, parsed by net/http as by
// PHP), checks auth[application_token] and answers with imbot.message.add
// through the webhook. The test has a person write to the bot, waits for
// the event's delivery and reads the dialog.
func ExampleServer_Bitrix24_echoBot() {
	t := &bitrix24ExampleTB{}
	defer t.done()
	emu := testkit.Start(t, testkit.WithClock(time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC)))
	webhook := emu.Bitrix24WebhookURL() // http://127.0.0.1:PORT/rest/1/abc/
	const clientID = "echo-app"

	call := func(method string, form url.Values) (any, error) {
		resp, err := http.PostForm(webhook+method, form)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var answer struct {
			Result any    `json:"result"`
			Error  string `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
			return nil, err
		}
		if answer.Error != "" {
			return nil, fmt.Errorf("%s: %s", method, answer.Error)
		}
		return answer.Result, nil
	}

	// the bot under test: an echo bot's event handler
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// a webhook bot's handler is called at <url>?CLIENT_ID=<its CLIENT_ID>,
		// and the events' application_token is that CLIENT_ID
		if r.PostForm.Get("auth[application_token]") != r.URL.Query().Get("CLIENT_ID") {
			http.Error(w, "not ours", http.StatusForbidden)
			return
		}
		if r.PostForm.Get("event") != "ONIMBOTMESSAGEADD" {
			return
		}
		_, err := call("imbot.message.add", url.Values{"CLIENT_ID": {clientID},
			"DIALOG_ID": {r.PostForm.Get("data[PARAMS][DIALOG_ID]")},
			"MESSAGE":   {"You said: " + r.PostForm.Get("data[PARAMS][MESSAGE]")}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	defer bot.Close()

	// the bot registers itself (127.0.0.1 passes the portal's URL check)
	id, err := call("imbot.register", url.Values{"CLIENT_ID": {clientID}, "CODE": {"echo"}, "TYPE": {"B"},
		"EVENT_HANDLER": {bot.URL + "/events"}, "PROPERTIES[NAME]": {"Echo"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("bot id:", id)

	// the test: user 1 writes to the bot, the bot answers
	dialog := fmt.Sprint(id)
	emu.Bitrix24().Write(t, dialog, 1, "hello")
	d := emu.WaitDelivery(t, emulator.DeliveryFilter{Event: "ONIMBOTMESSAGEADD"})
	fmt.Println(d.Event, "->", d.Outcome, d.Status)
	for _, m := range emu.Bitrix24().DialogMessages(t, dialog, 1) {
		fmt.Printf("%d: %s\n", m.AuthorID, m.Text)
	}
	// Output:
	// bot id: 101
	// ONIMBOTMESSAGEADD -> delivered 200
	// 1: hello
	// 101: You said: hello
}
