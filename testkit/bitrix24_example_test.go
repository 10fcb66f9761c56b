package testkit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// bitrix24ExampleTB stands in for a test's *testing.T in these examples.
type bitrix24ExampleTB struct {
	testing.TB
	cleanups []func()
}

func (*bitrix24ExampleTB) Helper()                           {}
func (*bitrix24ExampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (*bitrix24ExampleTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (tb *bitrix24ExampleTB) Cleanup(f func())               { tb.cleanups = append(tb.cleanups, f) }
func (*bitrix24ExampleTB) TempDir() string                   { return "" }
func (tb *bitrix24ExampleTB) done() {
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
}

// A bot under test calls Bitrix24 through the emulator's webhook; the test
// then checks what the bot did without a Bitrix24 UI: a chat's members,
// an open-line session's holder.
func ExampleServer_Bitrix24() {
	t := &bitrix24ExampleTB{}
	defer t.done()
	emu := testkit.Start(t, testkit.WithClock(time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC)))

	post := func(method string, form url.Values) string {
		resp, err := http.PostForm(emu.Bitrix24WebhookURL()+method, form)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var answer struct {
			Result any `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
			panic(err)
		}
		return fmt.Sprint(resp.StatusCode, " result ", answer.Result)
	}
	// the bot's code (webhook calls name the bot's application with CLIENT_ID)
	fmt.Println(post("imbot.chat.user.add", url.Values{"CLIENT_ID": {"chatemu"}, "CHAT_ID": {"13"}, "USERS[]": {"3"}}))
	fmt.Println(post("imopenlines.bot.session.transfer", url.Values{"CLIENT_ID": {"chatemu"}, "CHAT_ID": {"12"}, "USER_ID": {"12"}}))

	// the test's checks
	fmt.Println("chat 13 members:", emu.Bitrix24().Chat(t, 13).Members)
	s := emu.Bitrix24().Session(t, 12)
	fmt.Println("session of chat 12:", s.Status, "to", s.OperatorID)
	emu.AssertCalled(t, "bitrix24.imbot.chat.user.add", testkit.Params{"CHAT_ID": "13"}, 1)
	// Output:
	// 200 result true
	// 200 result true
	// chat 13 members: [39 1 2 4 3]
	// session of chat 12: transfer to 12
}
