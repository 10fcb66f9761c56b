package imbox_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// statsAccount is account sid 7 with two agents and a page filter.
const statsAccount = `{"imbox": {
  "accounts": [{"sid": 7, "apiKey": "stats-key"}],
  "agents": [
    {"agentID": 71, "sid": 7, "agentName": "Ann Agent", "agentEmail": "ann@shop.example", "agentLastActive": "2024-01-01T00:00:00.000Z"},
    {"agentID": 72, "sid": 7, "agentName": "Bob Agent", "agentEmail": "bob@shop.example", "agentLastActive": "2024-01-01T00:00:00.000Z"}
  ],
  "pageFilters": [{"id": 75, "sid": 7, "searchFilter": "/pricing", "searchName": "Pricing", "matchType": "like"}]
}}`

// statsClock is the frozen emulator clock of the statistics tests (the
// default endTime).
var statsClock = time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// startStats builds the data set whose figures are worked out by hand in
// statsRows.
func startStats(t *testing.T) *testkit.Server {
	t.Helper()
	emu := testkit.Start(t, testkit.WithClock(statsClock))
	seed(t, emu, statsAccount)
	box := emu.ImBox()

	a := box.StartConversation(t, testkit.ImBoxStart{SID: 7, ConversationID: "V100", At: at("2024-03-10T09:00:00Z"),
		Page: "https://shop.example/pricing",
		Visitor: &testkit.ImBoxVisitor{TrafficType: "Organic", SearchEngine: "Google", Browser: "Firefox 120.0", OS: "macOS 14",
			City: "Bergen", Country: "Norway", ExitPage: "https://shop.example/checkout"}})
	a.VisitorMessage(t, at("2024-03-10T09:00:15Z"), "Hi, is there a discount?")
	a.AgentMessage(t, 71, at("2024-03-10T09:00:45.250Z"), "Hello! Yes, 10% this week.")
	a.VisitorMessage(t, at("2024-03-10T09:01:00Z"), "Can I talk to sales?")
	a.AgentMessage(t, 72, at("2024-03-10T09:01:30Z"), "Bob from sales here.")
	a.VisitorMessage(t, at("2024-03-10T09:02:00Z"), "Thanks!")
	a.ChangeName(t, at("2024-03-10T09:02:10Z"), "Kari Nordmann")
	a.AddTag(t, at("2024-03-10T09:02:10Z"), "vip")
	a.AddTag(t, at("2024-03-10T09:02:11Z"), "returning")
	a.AddLabel(t, at("2024-03-10T09:02:12Z"), "Sales")
	a.AddLabel(t, at("2024-03-10T09:02:13Z"), "Lead")
	a.Rate(t, 5)

	b := box.StartConversation(t, testkit.ImBoxStart{SID: 7, ConversationID: "V200", At: at("2024-03-10T12:00:00Z"),
		Page: "https://shop.example/support"})
	b.AgentMessage(t, 72, at("2024-03-10T12:00:05Z"), "Can I help you?") // before the visitor wrote: not an answer
	b.VisitorMessage(t, at("2024-03-10T12:00:20Z"), "My order is late.")
	b.AgentMessage(t, 72, at("2024-03-10T12:01:20Z"), "Let me check.")
	b.VisitorMessage(t, at("2024-03-10T12:01:40Z"), "Thank you.")
	b.AddLabel(t, at("2024-03-10T12:02:00Z"), "Support")
	b.Rate(t, 3)

	c := box.StartConversation(t, testkit.ImBoxStart{SID: 7, ConversationID: "V300", At: at("2024-03-11T08:30:00Z"),
		Page:    "https://shop.example/pricing?plan=pro",
		Visitor: &testkit.ImBoxVisitor{TrafficType: "www.partner.example", Browser: `Safari "17", iPad`, OS: "iPadOS 17", City: "Göteborg", Country: "Sweden"}})
	c.VisitorMessage(t, at("2024-03-11T08:30:10Z"), "Anyone there?")
	c.AddTag(t, at("2024-03-11T08:40:00Z"), "unanswered")

	d := box.StartConversation(t, testkit.ImBoxStart{SID: 7, ConversationID: "V400", At: at("2024-03-12T23:59:59.999Z")})
	d.AgentMessage(t, 71, at("2024-03-13T00:00:30Z"), "We saw you browsing, need help?") // no visitor message: no answer

	e := box.StartConversation(t, testkit.ImBoxStart{SID: 7, ConversationID: "V500", At: at("2024-03-09T23:59:59.999Z"),
		Page: "https://shop.example/pricing"})
	e.VisitorMessage(t, at("2024-03-10T00:00:05Z"), "Quick question")
	e.AgentMessage(t, 71, at("2024-03-10T00:00:09.500Z"), "Sure")
	return emu
}

// statsRows are the rows of the data set, worked out by hand:
//
//	V100: first visitor message 09:00:15.000, first agent message at or
//	      after it 09:00:45.250 by Ann (71): responseTime 30250; last
//	      visitor or agent message 09:02:00 - start 09:00:00: duration
//	      120000. Regular tags only (the name is a type 0 tag).
//	V200: Bob's 12:00:05 greeting comes before the visitor's first
//	      message (12:00:20) so it is no answer; his 12:01:20 reply is:
//	      responseTime 60000; last message 12:01:40: duration 100000.
//	      Exit page: the page of the latest visit.
//	V300: no agent message: duration, responseTime and agent empty.
//	V400: an agent wrote but the visitor never did: no answer.
//	V500: starts 2024-03-09T23:59:59.999; visitor 00:00:05.000, Ann
//	      00:00:09.500: responseTime 4500; duration 9501.
var statsRows = map[string]string{
	"V100": `{"channel":"V100","agentName":"Ann Agent","agentEmail":"ann@shop.example","referral":"Organic","searchEngine":"Google",` +
		`"exitPage":"https://shop.example/checkout","browser":"Firefox 120.0","os":"macOS 14","city":"Bergen","country":"Norway",` +
		`"labels":["Sales","Lead"],"tags":["vip","returning"],"duration":120000,"rating":5,"responseTime":30250,"startedAt":"2024-03-10T09:00:00.000Z"}`,
	"V200": `{"channel":"V200","agentName":"Bob Agent","agentEmail":"bob@shop.example","referral":"Direct","searchEngine":"",` +
		`"exitPage":"https://shop.example/support","browser":"","os":"","city":"","country":"",` +
		`"labels":["Support"],"tags":[],"duration":100000,"rating":3,"responseTime":60000,"startedAt":"2024-03-10T12:00:00.000Z"}`,
	"V300": `{"channel":"V300","agentName":"","agentEmail":"","referral":"www.partner.example","searchEngine":"",` +
		`"exitPage":"https://shop.example/pricing?plan=pro","browser":"Safari \"17\", iPad","os":"iPadOS 17","city":"Göteborg","country":"Sweden",` +
		`"labels":[],"tags":["unanswered"],"duration":null,"rating":null,"responseTime":null,"startedAt":"2024-03-11T08:30:00.000Z"}`,
	"V400": `{"channel":"V400","agentName":"","agentEmail":"","referral":"Direct","searchEngine":"","exitPage":"","browser":"","os":"","city":"","country":"",` +
		`"labels":[],"tags":[],"duration":null,"rating":null,"responseTime":null,"startedAt":"2024-03-12T23:59:59.999Z"}`,
	"V500": `{"channel":"V500","agentName":"Ann Agent","agentEmail":"ann@shop.example","referral":"Direct","searchEngine":"",` +
		`"exitPage":"https://shop.example/pricing","browser":"","os":"","city":"","country":"",` +
		`"labels":[],"tags":[],"duration":9501,"rating":null,"responseTime":4500,"startedAt":"2024-03-09T23:59:59.999Z"}`,
}

// statsBody is the JSON answer listing those rows.
func statsBody(channels ...string) string {
	rows := make([]string, len(channels))
	for i, c := range channels {
		rows[i] = statsRows[c]
	}
	return fmt.Sprintf(`{"result":"success","json":[%s],"length":%d}`, strings.Join(rows, ","), len(rows))
}

const (
	statsPath = "/message/chatStatistics/stats-key/7"
	window    = "startTime=2024-03-10T00%3A00%3A00.000Z&endTime=2024-03-12T23%3A59%3A59.999Z"
	csvHeader = "channel,agentName,agentEmail,referral,searchEngine,exitPage,browser,os,city,country,labels,tags,duration,rating,responseTime,startedAt\r\n"
)

// The statistics of a seeded set agree with figures computed by hand, in
// JSON and in CSV.
func TestChatStatisticsFigures(t *testing.T) {
	t.Parallel()
	emu := startStats(t)

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		expect(t, get(t, emu, "chatStatistics", statsPath+"?"+window), http.StatusOK, statsBody("V100", "V200", "V300", "V400"))
	})
	t.Run("csv", func(t *testing.T) {
		t.Parallel()
		a := get(t, emu, "chatStatistics", statsPath+"?"+window+"&fileType=csv")
		want := csvHeader +
			"V100,Ann Agent,ann@shop.example,Organic,Google,https://shop.example/checkout,Firefox 120.0,macOS 14,Bergen,Norway,\"Sales,Lead\",\"vip,returning\",120000,5,30250,2024-03-10T09:00:00.000Z\r\n" +
			"V200,Bob Agent,bob@shop.example,Direct,,https://shop.example/support,,,,,Support,,100000,3,60000,2024-03-10T12:00:00.000Z\r\n" +
			"V300,,,www.partner.example,,https://shop.example/pricing?plan=pro,\"Safari \"\"17\"\", iPad\",iPadOS 17,Göteborg,Sweden,,unanswered,,,,2024-03-11T08:30:00.000Z\r\n" +
			"V400,,,Direct,,,,,,,,,,,,2024-03-12T23:59:59.999Z\r\n"
		expect(t, a, http.StatusOK, want)
		if ct := a.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if cd := a.header.Get("Content-Disposition"); cd != `attachment; filename="chatStatistics.csv"` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		// A CSV reader gets the cells back: quoting keeps commas and quotes.
		recs, err := csv.NewReader(strings.NewReader(a.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 5 || recs[1][10] != "Sales,Lead" || recs[3][6] != `Safari "17", iPad` || len(recs[4]) != 16 {
			t.Errorf("records = %q", recs)
		}
	})
	t.Run("csv without rows has the header", func(t *testing.T) {
		t.Parallel()
		expect(t, get(t, emu, "chatStatistics", statsPath+"?startTime=2023-01-01T00:00:00.000Z&endTime=2023-01-02T00:00:00.000Z&fileType=csv"),
			http.StatusOK, csvHeader)
	})
	t.Run("consistent with listConversations", func(t *testing.T) {
		t.Parallel()
		expect(t, get(t, emu, "listConversations", "/message/listConversations/stats-key/7/2024-03-10/2024-03-12"), http.StatusOK,
			`{"result":"success","json":[{"sid":7,"conversationID":"V100","date":"2024-03-10T09:00:00.000Z"},`+
				`{"sid":7,"conversationID":"V200","date":"2024-03-10T12:00:00.000Z"},`+
				`{"sid":7,"conversationID":"V300","date":"2024-03-11T08:30:00.000Z"},`+
				`{"sid":7,"conversationID":"V400","date":"2024-03-12T23:59:59.999Z"}],"length":4}`)
		expect(t, get(t, emu, "listConversations", "/message/listConversations/stats-key/7/2024-03-10/2024-03-12?pageFilterId=75"), http.StatusOK,
			`{"result":"success","json":[{"sid":7,"conversationID":"V100","date":"2024-03-10T09:00:00.000Z"},`+
				`{"sid":7,"conversationID":"V300","date":"2024-03-11T08:30:00.000Z"}],"length":2}`)
	})
	t.Run("other accounts see none of it", func(t *testing.T) {
		t.Parallel()
		expect(t, get(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?"+window), http.StatusOK,
			`{"result":"success","json":[],"length":0}`)
	})
}

// Every documented chatStatistics parameter narrows or shapes the rows.
func TestChatStatisticsParameters(t *testing.T) {
	t.Parallel()
	emu := startStats(t)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"agentId: the answering agent", window + "&agentId=71", []string{"V100"}},
		{"agentIds repeated", window + "&agentIds=71&agentIds=72", []string{"V100", "V200"}},
		{"agentId and agentIds together", window + "&agentId=72&agentIds=71", []string{"V100", "V200"}},
		{"an agent who answered nothing", window + "&agentIds=99", nil},
		{"channel", window + "&channel=V200", []string{"V200"}},
		{"channels repeated", window + "&channels=V100&channels=V300", []string{"V100", "V300"}},
		{"channel and channels together", window + "&channel=V400&channels=V100", []string{"V100", "V400"}},
		{"an unknown channel", window + "&channel=V999", nil},
		{"pageFilterId", window + "&pageFilterId=75", []string{"V100", "V300"}},
		{"filters combine", window + "&pageFilterId=75&agentId=71&channels=V100&channels=V300", []string{"V100"}},
		{"fileType json, any case", window + "&fileType=JSON", []string{"V100", "V200", "V300", "V400"}},
		{"endTime defaults to the emulator clock (2024-03-11T00:00Z)", "startTime=2024-03-10T00:00:00.000Z", []string{"V100", "V200"}},
		{"both ends included", "startTime=2024-03-12T23:59:59.999Z&endTime=2024-03-12T23:59:59.999Z", []string{"V400"}},
		{"one millisecond before a start excludes it", "startTime=2024-03-10T09:00:00.001Z&endTime=2024-03-10T12:00:00.000Z", []string{"V200"}},
		{"an offset in a time", "startTime=2024-03-10T01:00:00%2B01:00&endTime=2024-03-10T12:59:59.999%2B01:00", []string{"V100"}},
		{"an unencoded + in an offset (read as a space)", "startTime=2024-03-10T01:00:00+01:00&endTime=2024-03-10T12:59:59.999+01:00", []string{"V100"}},
		{"timezone: times without offset are local there", "startTime=2024-03-10T00:00:00&endTime=2024-03-10T23:59:59.999&timezone=Europe/Oslo",
			[]string{"V500", "V100", "V200"}},
		{"timezone UTC", "startTime=2024-03-10T00:00&endTime=2024-03-11T00:00&timezone=UTC", []string{"V100", "V200"}},
		{"timezone leaves explicit offsets alone", window + "&timezone=America/New_York", []string{"V100", "V200", "V300", "V400"}},
		{"exactly 365 days is allowed", "startTime=2023-03-12T23:59:59.999Z&endTime=2024-03-11T23:59:59.999Z", []string{"V500", "V100", "V200", "V300"}},
		{"empty optional parameters are not sent", window + "&agentId=&channel=&pageFilterId=&fileType=&timezone=", []string{"V100", "V200", "V300", "V400"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			expect(t, get(t, emu, "chatStatistics", statsPath+"?"+tc.query), http.StatusOK, statsBody(tc.want...))
		})
	}
}

// timezone shapes the CSV's startedAt; JSON keeps UTC with Z.
func TestChatStatisticsTimezoneCSV(t *testing.T) {
	t.Parallel()
	emu := startStats(t)
	q := statsPath + "?startTime=2024-03-10T00:00:00&endTime=2024-03-10T23:59:59.999&timezone=Europe/Oslo&channels=V500&channels=V200&fileType=csv"
	expect(t, get(t, emu, "chatStatistics", q), http.StatusOK, csvHeader+
		"V500,Ann Agent,ann@shop.example,Direct,,https://shop.example/pricing,,,,,,,9501,,4500,2024-03-10T00:59:59.999+01:00\r\n"+
		"V200,Bob Agent,bob@shop.example,Direct,,https://shop.example/support,,,,,Support,,100000,3,60000,2024-03-10T13:00:00.000+01:00\r\n")
}

// chatStatistics errors: each with its status and message.
func TestChatStatisticsErrors(t *testing.T) {
	t.Parallel()
	emu := startStats(t)
	tests := []struct {
		name, query string
		status      int
		message     string
	}{
		{"no startTime", "endTime=2024-03-10T00:00:00.000Z", 400, "startTime is required"},
		{"empty startTime", "startTime=", 400, "startTime is required"},
		{"malformed startTime", "startTime=2024-13-01T00:00:00.000Z", 400, `Invalid startTime "2024-13-01T00:00:00.000Z": expected a time such as 2020-01-01T00:00:00.000Z`},
		{"a date is not a time", "startTime=2024-03-10", 400, `Invalid startTime "2024-03-10": expected a time such as 2020-01-01T00:00:00.000Z`},
		{"malformed endTime", "startTime=2024-03-10T00:00:00.000Z&endTime=yesterday", 400, `Invalid endTime "yesterday": expected a time such as 2020-01-01T00:00:00.000Z`},
		{"reversed", "startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-09T00:00:00.000Z", 400,
			"endTime 2024-03-09T00:00:00.000Z is before startTime 2024-03-10T00:00:00.000Z"},
		{"startTime after the default endTime (now)", "startTime=2024-03-12T00:00:00.000Z", 400,
			"endTime 2024-03-11T00:00:00.000Z is before startTime 2024-03-12T00:00:00.000Z"},
		{"365 days and a millisecond", "startTime=2023-03-12T23:59:59.999Z&endTime=2024-03-12T00:00:00.000Z", 400,
			"chatStatistics covers at most 365 days per request"},
		{"over 365 days to the default endTime", "startTime=2023-01-01T00:00:00.000Z", 400, "chatStatistics covers at most 365 days per request"},
		{"fileType", window + "&fileType=xml", 400, `Invalid fileType "xml": expected json or csv`},
		{"timezone", window + "&timezone=Mars/Olympus_Mons", 400, `Invalid timezone "Mars/Olympus_Mons": expected an IANA time zone name such as Europe/Stockholm`},
		{"timezone Local is the server's, not a zone name", window + "&timezone=Local", 400, `Invalid timezone "Local": expected an IANA time zone name such as Europe/Stockholm`},
		{"the doc's timezone description, \"Your userId\"", window + "&timezone=1", 400, `Invalid timezone "1": expected an IANA time zone name such as Europe/Stockholm`},
		{"startTime twice", "startTime=2024-03-10T00:00:00.000Z&startTime=2024-03-11T00:00:00.000Z", 400, "startTime must be given once"},
		{"fileType twice", window + "&fileType=csv&fileType=json", 400, "fileType must be given once"},
		{"agentId not a number", window + "&agentId=John", 400, `Invalid agentId "John": expected a number`},
		{"agentIds not a number", window + "&agentIds=1&agentIds=x", 400, `Invalid agentIds "x": expected a number`},
		{"pageFilterId not a number", window + "&pageFilterId=pricing", 400, `Invalid pageFilterId "pricing": expected a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			expect(t, get(t, emu, "chatStatistics", statsPath+"?"+tc.query), tc.status, errorBody(tc.message))
		})
	}
}
