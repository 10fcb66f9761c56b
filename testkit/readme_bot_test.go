package testkit_test

// The README's "Your bot's handler" example, verbatim from "func
// TestEchoBot" on (TestREADMEShowsTheTestedBot checks that it is).

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

func TestEchoBot(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	hook := emu.Bitrix24WebhookURL() // http://127.0.0.1:PORT/rest/1/abc/

	// your bot's event handler: answers every message with an echo
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm() // Bitrix24 posts events as PHP forms: data[PARAMS][MESSAGE]=...
		if r.PostForm.Get("event") == "ONIMBOTMESSAGEADD" {
			http.PostForm(hook+"imbot.message.add", url.Values{"CLIENT_ID": {"echo-app"},
				"DIALOG_ID": {r.PostForm.Get("data[PARAMS][DIALOG_ID]")},
				"MESSAGE":   {"echo: " + r.PostForm.Get("data[PARAMS][MESSAGE]")}})
		}
	}))
	defer bot.Close()

	// your bot registers itself with its handler URL
	resp, err := http.PostForm(hook+"imbot.register", url.Values{"CLIENT_ID": {"echo-app"},
		"CODE": {"echo"}, "EVENT_HANDLER": {bot.URL}, "PROPERTIES[NAME]": {"Echo"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("imbot.register: %v %v", resp.Status, err)
	}
	botID := "101" // the portal's next user id; imbot.register answers it as {"result":101}

	// a person writes to the bot; the portal POSTs ONIMBOTMESSAGEADD to your handler
	emu.Bitrix24().Write(t, botID, 1, "hello")
	d := emu.WaitDelivery(t, emulator.DeliveryFilter{Event: "ONIMBOTMESSAGEADD"})
	if d.Outcome != "delivered" || !strings.Contains(d.Body, "data%5BPARAMS%5D%5BMESSAGE%5D=hello") {
		t.Fatalf("delivery: %s %s", d.Outcome, d.Body)
	}

	// the bot's answer is in the dialog (it answered before the delivery ended)
	var got []string
	for _, m := range emu.Bitrix24().DialogMessages(t, botID, 1) {
		got = append(got, fmt.Sprintf("%d: %s", m.AuthorID, m.Text))
	}
	if strings.Join(got, "\n") != "1: hello\n101: echo: hello" {
		t.Errorf("dialog:\n%s", strings.Join(got, "\n"))
	}
}
