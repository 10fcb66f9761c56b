package testkit_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/imbox"
	"github.com/chatemu/chatemu/testkit"
)

// imboxHook is the body of an ImBox chat webhook, as a site decodes it.
type imboxHook struct {
	Event struct {
		Agent *struct {
			Email string `json:"email"`
		} `json:"agent"` // agentMessage
		Visitor *struct {
			ID string `json:"id"`
		} `json:"visitor"` // visitorMessage, visitorIdentification
		Channel string `json:"channel"` // the conversation id
		Type    string `json:"type"`
		Text    string `json:"text"` // messages
		User    *struct {
			PersonalNumber string `json:"personalNumber"`
			Name           string `json:"name"`
			GivenName      string `json:"givenName"`
			Surname        string `json:"surname"`
		} `json:"user"` // visitorIdentification
		Timestamp string `json:"timestamp"`
	} `json:"event"`
	EventTime string `json:"eventTime"`
}

// A site receives ImBox's chat webhooks. The test points account 1's
// webhook at the site's handler (here a stand-in; in your test, your own
// handler on an httptest.Server), plays a visitor and an agent, and checks
// what the handler received and answered.
func ExampleImBox_SetWebhook() {
	t := &exampleTB{} // in a test: t *testing.T
	defer t.done()
	emu := testkit.Start(t, testkit.WithClock(time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)))

	received := make(chan string, 10)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get(imbox.SignatureHeader) != imbox.Signature("s3cret", body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var hook imboxHook
		if err := json.Unmarshal(body, &hook); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ev := hook.Event
		switch {
		case ev.Agent != nil:
			received <- fmt.Sprintf("%s %s from %s: %q at %s", ev.Channel, ev.Type, ev.Agent.Email, ev.Text, ev.Timestamp)
		case ev.User != nil:
			received <- fmt.Sprintf("%s %s: visitor %s is %s (%s)", ev.Channel, ev.Type, ev.Visitor.ID, ev.User.Name, ev.User.PersonalNumber)
		default:
			received <- fmt.Sprintf("%s %s from visitor %s: %q at %s", ev.Channel, ev.Type, ev.Visitor.ID, ev.Text, ev.Timestamp)
		}
	}))
	defer site.Close()

	emu.ImBox().SetWebhook(t, testkit.ImBoxDocSID, testkit.ImBoxWebhook{URL: site.URL + "/imbox", Secret: "s3cret"})
	start := time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC)
	chat := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V42", At: start})
	chat.VisitorMessage(t, start.Add(10*time.Second), "Do you ship to Norway?")
	chat.AgentMessage(t, 1, start.Add(40*time.Second), "Yes, we do.")
	chat.IdentifyVisitor(t, start.Add(time.Minute), testkit.ImBoxIdentity{PersonalNumber: "198809293935", GivenName: "PER", Surname: "MORBERG"})

	// Webhooks are sent after the action that caused them has been
	// answered: wait for them in the delivery journal.
	for _, d := range emu.WaitDeliveries(t, emulator.DeliveryFilter{Vendor: "imbox"}, 3) {
		fmt.Println(d.Event, d.Outcome, d.Status)
		fmt.Println("  ", <-received)
	}
	fmt.Println("visitor id:", chat.VisitorID())
	// Output:
	// visitorMessage delivered 200
	//    V42 visitorMessage from visitor ca8dae56-ce24-5330-b0ef-40bc5875fa5a: "Do you ship to Norway?" at 2024-05-02T09:00:10.000Z
	// agentMessage delivered 200
	//    V42 agentMessage from john.doe@example.org: "Yes, we do." at 2024-05-02T09:00:40.000Z
	// visitorIdentification delivered 200
	//    V42 visitorIdentification: visitor ca8dae56-ce24-5330-b0ef-40bc5875fa5a is PER MORBERG (198809293935)
	// visitor id: ca8dae56-ce24-5330-b0ef-40bc5875fa5a
}
