package imbox_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// pageFilters: "List all pageFilters".
func TestPageFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		seed   string
		path   string
		status int
		body   string
	}{
		{name: "doc filter", path: "/message/pageFilters/apiKey/1", status: 200,
			body: `{"result":"success","json":[{"id":1,"sid":1,"searchFilter":"searchFilter","searchName":"searchName","matchType":"like"}],"length":1}`},
		{name: "every match type, by id, the account's only", seed: pageFilterSeed, path: "/message/pageFilters/apiKey/1", status: 200,
			body: `{"result":"success","json":[{"id":1,"sid":1,"searchFilter":"searchFilter","searchName":"searchName","matchType":"like"},` +
				`{"id":11,"sid":1,"searchFilter":"/pricing","searchName":"Pricing","matchType":"like"},` +
				`{"id":12,"sid":1,"searchFilter":"https://shop.example/","searchName":"Home","matchType":"exact"},` +
				`{"id":13,"sid":1,"searchFilter":"https://SHOP.example/help","searchName":"Help","matchType":"startsWith"},` +
				`{"id":14,"sid":1,"searchFilter":"[?&]plan=(pro|team)\\b","searchName":"Paid plans","matchType":"regex"},` +
				`{"id":15,"sid":1,"searchFilter":"shop.example/%/checkout","searchName":"Checkout","matchType":"like"},` +
				`{"id":16,"sid":1,"searchFilter":"/a_c","searchName":"Underscore","matchType":"like"}],"length":7}`},
		{name: "another account's filters", seed: secondAccount, path: "/message/pageFilters/key2/2", status: 200,
			body: `{"result":"success","json":[{"id":20,"sid":2,"searchFilter":"example.org","searchName":"","matchType":"like"}],"length":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			if tc.seed != "" {
				seed(t, emu, tc.seed)
			}
			expect(t, get(t, emu, "pageFilters", tc.path), tc.status, tc.body)
		})
	}
}

const pageFilterSeed = `{"imbox":{"pageFilters":[
  {"id": 11, "sid": 1, "searchFilter": "/pricing", "searchName": "Pricing", "matchType": "like"},
  {"id": 12, "sid": 1, "searchFilter": "https://shop.example/", "searchName": "Home", "matchType": "exact"},
  {"id": 13, "sid": 1, "searchFilter": "https://SHOP.example/help", "searchName": "Help", "matchType": "startsWith"},
  {"id": 14, "sid": 1, "searchFilter": "[?&]plan=(pro|team)\\b", "searchName": "Paid plans", "matchType": "regex"},
  {"id": 15, "sid": 1, "searchFilter": "shop.example/%/checkout", "searchName": "Checkout", "matchType": "like"},
  {"id": 16, "sid": 1, "searchFilter": "/a_c", "searchName": "Underscore", "matchType": "like"}
]}}`

// Each match type over visited pages, through listConversations and
// chatStatistics alike (the filters behave the same in both).
func TestPageFilterMatching(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	seed(t, emu, pageFilterSeed)
	day := time.Date(2022, 9, 1, 0, 0, 0, 0, time.UTC)
	pages := []struct{ id, page string }{
		{"V1001", "https://shop.example/PRICING/eu"},          // like /pricing, any case
		{"V1002", "https://shop.example/"},                    // exact
		{"V1003", "https://shop.example/help/articles/12"},    // startsWith, host case ignored
		{"V1004", "https://shop.example/signup?plan=pro"},     // regex
		{"V1005", "https://shop.example/signup?plan=process"}, // regex word boundary: no
		{"V1006", "https://shop.example/eu/se/checkout"},      // like with %
		{"V1007", "https://shop.example/abc"},                 // like with _
		{"V1008", "https://shop.example/a/c"},                 // like with _ (any one character)
		{"V1009", "https://shop.example/ac"},                  // _ needs one character: no
	}
	for i, p := range pages {
		emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: p.id, At: day.Add(time.Duration(i) * time.Minute), Page: p.page})
	}
	// A visit later in a conversation counts as much as the first page.
	emu.ImBox().Conversation(1, "V1009").Visit(t, day.Add(time.Hour), "https://shop.example/pricing")

	tests := []struct {
		filters string
		want    []string
	}{
		{"pageFilterId=11", []string{"V1001", "V1009"}},
		{"pageFilterId=12", []string{"V1002"}},
		{"pageFilterId=13", []string{"V1003"}},
		{"pageFilterId=14", []string{"V1004"}},
		{"pageFilterId=15", []string{"V1006"}},
		{"pageFilterId=16", []string{"V1007", "V1008"}},
		{"pageFilterId=12&pageFilterId=14", []string{"V1002", "V1004"}},
		{"pageFilterId[]=12&pageFilterId[]=13", []string{"V1002", "V1003"}},
		{"pageFilterId=1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.filters, func(t *testing.T) {
			t.Parallel()
			var items, rows []string
			for _, id := range tc.want {
				i := indexOf(pages, id)
				at := day.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z")
				items = append(items, fmt.Sprintf(`{"sid":1,"conversationID":"%s","date":"%s"}`, id, at))
				rows = append(rows, fmt.Sprintf(`{"channel":"%s","agentName":"","agentEmail":"","referral":"Direct","searchEngine":"",`+
					`"exitPage":"%s","browser":"","os":"","city":"","country":"","labels":[],"tags":[],"duration":null,"rating":null,`+
					`"responseTime":null,"startedAt":"%s"}`, id, exitPage(pages[i].page, id), at))
			}
			expect(t, get(t, emu, "listConversations", "/message/listConversations/apiKey/1/2022-09-01/2022-09-01?"+tc.filters), 200,
				fmt.Sprintf(`{"result":"success","json":[%s],"length":%d}`, strings.Join(items, ","), len(items)))
			expect(t, get(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?startTime=2022-09-01T00:00:00.000Z&endTime=2022-09-02T00:00:00.000Z&"+tc.filters), 200,
				fmt.Sprintf(`{"result":"success","json":[%s],"length":%d}`, strings.Join(rows, ","), len(rows)))
		})
	}
}

func indexOf(pages []struct{ id, page string }, id string) int {
	for i, p := range pages {
		if p.id == id {
			return i
		}
	}
	return -1
}

// exitPage is the derived exit page: the latest visit's.
func exitPage(first, id string) string {
	if id == "V1009" {
		return "https://shop.example/pricing"
	}
	return first
}
