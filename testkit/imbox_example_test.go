package testkit_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// exampleTB lets an Example start an instance as a test would: a failure
// panics, cleanups run when the example calls done. In a test, pass t.
type exampleTB struct {
	testing.TB // only the methods below are used
	cleanups   []func()
}

func (e *exampleTB) Helper()                           {}
func (e *exampleTB) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (e *exampleTB) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// A visitor lands on the pricing page, asks a question, agent 1 (John Doe
// of the default fixtures) answers 30 seconds later, labels the chat and
// the visitor rates it; chatStatistics computes the figures from that.
func ExampleServer_ImBox() {
	t := &exampleTB{}
	defer t.done()
	emu := testkit.Start(t, testkit.WithClock(time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)))

	start := time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC)
	chat := emu.ImBox().StartConversation(t, testkit.ImBoxStart{
		ConversationID: "V42",
		At:             start,
		Page:           "https://example.org/pricing",
		Visitor:        &testkit.ImBoxVisitor{TrafficType: "Organic", SearchEngine: "Google", City: "Oslo", Country: "Norway"},
	})
	chat.VisitorMessage(t, start.Add(10*time.Second), "Do you ship to Norway?")
	chat.AgentMessage(t, 1, start.Add(40*time.Second), "Yes, we do.")
	chat.AddLabel(t, start.Add(time.Minute), "Sales")
	chat.Rate(t, 5)

	// endTime defaults to the emulator clock, 2024-05-02T12:00:00Z.
	resp, err := emu.Client().Get(emu.ImBoxURL() + "/message/chatStatistics/apiKey/1?startTime=2024-05-02T00:00:00.000Z")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var stats struct {
		JSON []struct {
			Channel      string   `json:"channel"`
			AgentName    string   `json:"agentName"`
			Referral     string   `json:"referral"`
			Labels       []string `json:"labels"`
			Duration     int64    `json:"duration"`
			ResponseTime int64    `json:"responseTime"`
			Rating       int      `json:"rating"`
		} `json:"json"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		panic(err)
	}
	for _, row := range stats.JSON {
		fmt.Printf("%s answered by %s (%s): response %d ms, duration %d ms, rating %d, labels %v\n",
			row.Channel, row.AgentName, row.Referral, row.ResponseTime, row.Duration, row.Rating, row.Labels)
	}
	// Output:
	// V42 answered by John Doe (Organic): response 30000 ms, duration 40000 ms, rating 5, labels [Sales]
}
