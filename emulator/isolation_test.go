package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// A tenant isolation test plays one tenant's credentials against the other
// tenant's ids, through every operation of a vendor, in both directions.
// Each call must be refused (or answer an empty result where the vendor
// answers a list), must show none of the other tenant's data, and must
// change nothing: the state export before and after is compared. A call
// that legitimately writes into the caller's own tenant (a room found by
// a pipe the caller does not have is a new room) may add the caller's
// documents, nothing else.

// crossCall is one request of a tenant isolation test.
type crossCall struct {
	name   string
	method string // GET or POST
	path   string // with the query
	form   string // a form body
	header []string
	status int  // the answer's status
	empty  bool // a 200 answer must list nothing (vendor-specific check)
	// ownWrite: the call may create documents of the caller's own tenant,
	// named by a key prefix and a field the new documents must carry.
	ownWrite string
}

// tenant names what one tenant must never see of the other: strings found
// only in the other tenant's data.
type tenant struct {
	name    string
	markers []string
}

// stateDocs is GET /_emulator/state: the documents and the sequences.
func stateDocs(t *testing.T, base string) (map[string]json.RawMessage, map[string]int64) {
	t.Helper()
	resp, err := http.Get(base + "/_emulator/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap struct {
		Documents map[string]json.RawMessage `json:"documents"`
		Sequences map[string]int64           `json:"sequences"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || resp.StatusCode != 200 {
		t.Fatalf("state export: %d %v", resp.StatusCode, err)
	}
	return snap.Documents, snap.Sequences
}

func (c crossCall) send(t *testing.T, base string) (int, string) {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if c.form != "" {
		body = strings.NewReader(c.form)
	}
	req, err := http.NewRequest(method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(c.header); i += 2 {
		if strings.EqualFold(c.header[i], "Host") {
			req.Host = c.header[i+1]
			continue
		}
		req.Header.Set(c.header[i], c.header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// runCrossCalls sends each call as caller against other's ids and checks
// the answer and the state. isEmpty says whether a 200 answer lists
// nothing, in the vendor's envelope.
func runCrossCalls(t *testing.T, base string, caller, other tenant, calls []crossCall, isEmpty func(body string) bool) {
	t.Helper()
	for _, c := range calls {
		t.Run(caller.name+" on "+other.name+"/"+c.name, func(t *testing.T) {
			docsBefore, seqBefore := stateDocs(t, base)
			status, body := c.send(t, base)
			if status != c.status {
				t.Errorf("status %d, want %d: %s", status, c.status, body)
			}
			if c.empty && !isEmpty(body) {
				t.Errorf("want an empty answer, got %s", body)
			}
			for _, m := range other.markers {
				if strings.Contains(body, m) {
					t.Errorf("the answer shows %s's %q: %s", other.name, m, body)
				}
			}
			docsAfter, seqAfter := stateDocs(t, base)
			for key, raw := range docsBefore {
				if after, ok := docsAfter[key]; !ok || !bytes.Equal(after, raw) {
					t.Errorf("%s changed:\n%s\n%s", key, raw, after)
				}
			}
			for key, raw := range docsAfter {
				if _, existed := docsBefore[key]; existed {
					continue
				}
				if c.ownWrite == "" || !strings.Contains(string(raw), c.ownWrite) {
					t.Errorf("%s created: %s", key, raw)
				}
			}
			if c.ownWrite == "" && !equalSeqs(seqBefore, seqAfter) {
				t.Errorf("sequences moved: %v -> %v", seqBefore, seqAfter)
			}
		})
	}
}

func equalSeqs(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func basic(user, password string) []string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, password)
	return []string{"Authorization", r.Header.Get("Authorization")}
}

// imbaChatSecondWidget is a tenant of its own: widget 5000 with secrets of
// its own, a user, a room and a message.
const imbaChatSecondWidget = `{"imbachat":{
 "widgets":[{"imba_id":5000,"name":"Tenant A widget","secret_key":"k5000","login":"site5000","password":"pw5000"}],
 "users":[{"id":9001,"imba_id":5000,"remote_user_id":"77","name":"Tenant A user","status":"user","created_at":"2021-01-15 10:00:00","updated_at":"2021-01-15 10:00:00"}],
 "rooms":[{"id":9100,"imba_id":5000,"pipe":"tenant-a-pipe","name":"Tenant A room","admin_id":9001,"type":1,"members":[9001],"created_at":"2021-01-15 10:00:00","updated_at":"2021-01-15 10:00:00"}],
 "messages":[{"id":9200,"room_id":9100,"user_id":9001,"message":"Tenant A secret message","time":"2021-01-15 10:00:00"}]}}`

// TestImbaChatTenantIsolation: widget 5000's credentials (site login,
// Basic secret key, send_msg password, user JWT) reach none of widget 627's
// or 209's users, rooms or messages, and the fixture widgets' credentials
// reach none of widget 5000's.
func TestImbaChatTenantIsolation(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t, testkit.WithClock(time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)))
	emu.Seed(t, []byte(imbaChatSecondWidget))
	// Markers are values only the tenant's data holds; ids are left out, as
	// an error may name the id the caller sent ("Room 1536 not found").
	a := tenant{"widget 5000", []string{"Tenant A", "tenant-a-pipe", "k5000", "site5000", "pw5000"}}
	b := tenant{"widgets 627 and 209", []string{"Site admin", "Support agent", "Site user", "Chat bot room", "api message",
		"New conversation", "Technical support", "Тестовая", "5fdc537000000_1608274800", "600167a000000_1610704800", "gravatar"}}
	const rooms = "/imbachat/v1/widget/imba_rooms"
	v2 := func(w, op string) string { return "/imbachat/v2/" + w + "/" + op }
	jwtA := emu.ImbaChatUserToken(t, "k5000", 77, time.Hour)
	jwtB := emu.ImbaChatUserToken(t, "secret_key", 1, time.Hour)
	aSite, bSite := "imba_id=5000&login=site5000&password=pw5000", "imba_id=627&login=admin&password=admin"
	aBasic, bBasic := basic("5000", "k5000"), basic("627", "secret_key")
	isEmpty := func(body string) bool {
		var env struct {
			Data []any `json:"data"`
		}
		return json.Unmarshal([]byte(body), &env) == nil && env.Data != nil && len(env.Data) == 0
	}

	aOnB := []crossCall{
		{name: "imba_rooms adds to 627's room", path: rooms, form: aSite + "&room_id=1536&users_ids[0]=77", status: 404},
		{name: "imba_rooms adds to 209's room", path: rooms, form: aSite + "&room_id=613&users_ids[0]=3", status: 404},
		{name: "imba_rooms with 627's id and 5000's login", path: rooms, form: "imba_id=627&login=site5000&password=pw5000&room_id=1536&users_ids[0]=77", status: 403},
		{name: "imba_rooms by 627's pipe makes a room of 5000's own", path: rooms, form: aSite + "&room_pipe=5fdc537000000_1608274800&users_ids[0]=77", status: 200, ownWrite: `"imba_id":5000`},
		{name: "get_users on 627's path", path: v2("627", "get_users"), header: aBasic, status: 401},
		{name: "get_rooms on 627's path", path: v2("627", "get_rooms"), header: aBasic, status: 401},
		{name: "get_messages on 627's path", path: v2("627", "get_messages"), header: aBasic, status: 401},
		{name: "send_msg on 627's path", path: v2("627", "send_msg"), form: "user_id=1&room_id=1536&message=x", header: aBasic, status: 401},
		{name: "send_msg on 627's path with 5000's secret as password", path: v2("627", "send_msg"), form: "password=k5000&user_id=1&room_id=1536&message=x", status: 401},
		{name: "get_rooms on 627's path with 5000's user token", path: v2("627", "get_rooms"), header: []string{"JWT", jwtA}, status: 401},
		{name: "get_messages on 627's path with 5000's user token", path: v2("627", "get_messages"), header: []string{"JWT", jwtA}, status: 401},
		{name: "get_users of 627's user id", path: v2("5000", "get_users"), form: "id=2046", header: aBasic, status: 200, empty: true},
		{name: "get_users of widget 627", path: v2("5000", "get_users"), form: "imba_id=627", header: aBasic, status: 200, empty: true},
		{name: "get_rooms of widget 627", path: v2("5000", "get_rooms"), form: "imba_id=627", header: aBasic, status: 200, empty: true},
		{name: "get_messages of 627's room", path: v2("5000", "get_messages"), form: "room_id=1536", header: aBasic, status: 200, empty: true},
		{name: "get_messages of 627's message id", path: v2("5000", "get_messages"), form: "id=4543", header: aBasic, status: 200, empty: true},
		{name: "send_msg into 627's room", path: v2("5000", "send_msg"), form: "user_id=77&room_id=1536&message=x", header: aBasic, status: 404},
		{name: "send_msg as 627's site user", path: v2("5000", "send_msg"), form: "user_id=1&room_id=9100&message=x", header: aBasic, status: 404},
	}
	runCrossCalls(t, emu.URL(), a, b, aOnB, isEmpty)

	bOnA := []crossCall{
		{name: "imba_rooms adds to 5000's room", path: rooms, form: bSite + "&room_id=9100&users_ids[0]=1", status: 404},
		{name: "imba_rooms with 5000's id and 627's login", path: rooms, form: "imba_id=5000&login=admin&password=admin&room_id=9100", status: 403},
		{name: "imba_rooms by 5000's pipe makes a room of 627's own", path: rooms, form: bSite + "&room_pipe=tenant-a-pipe&users_ids[0]=1", status: 200, ownWrite: `"imba_id":627`},
		{name: "get_users on 5000's path", path: v2("5000", "get_users"), header: bBasic, status: 401},
		{name: "get_users on 5000's path with the docs' login", path: v2("5000", "get_users"), header: basic("imba_id", "secret_key"), status: 401},
		{name: "get_rooms on 5000's path", path: v2("5000", "get_rooms"), header: bBasic, status: 401},
		{name: "get_messages on 5000's path", path: v2("5000", "get_messages"), header: bBasic, status: 401},
		{name: "get_messages on 5000's path with 627's user token", path: v2("5000", "get_messages"), header: []string{"JWT", jwtB}, status: 401},
		{name: "send_msg on 5000's path", path: v2("5000", "send_msg"), form: "user_id=77&room_id=9100&message=x", header: bBasic, status: 401},
		{name: "send_msg on 5000's path with 627's secret as password", path: v2("5000", "send_msg"), form: "password=secret_key&user_id=77&room_id=9100&message=x", status: 401},
		{name: "get_users of 5000's user id", path: v2("627", "get_users"), form: "id=9001", header: bBasic, status: 200, empty: true},
		{name: "get_rooms of widget 5000", path: v2("627", "get_rooms"), form: "imba_id=5000", header: bBasic, status: 200, empty: true},
		{name: "get_messages of 5000's room", path: v2("627", "get_messages"), form: "room_id=9100", header: bBasic, status: 200, empty: true},
		{name: "get_messages of 5000's message id", path: v2("627", "get_messages"), form: "id=9200", header: bBasic, status: 200, empty: true},
		{name: "send_msg into 5000's room", path: v2("627", "send_msg"), form: "user_id=1&room_id=9100&message=x", header: bBasic, status: 404},
	}
	runCrossCalls(t, emu.URL(), b, a, bOnA, isEmpty)
}

// bitrix24SecondPortal is a portal of its own: its domain, webhook, OAuth
// application and token, users, bot, chat, open line and session, with ids
// the default portal does not use.
const bitrix24SecondPortal = `{"bitrix24":{"portals":[{"name":"second","domain":"second.example",
 "webhooks":[{"user_id":1,"code":"two","scopes":["imbot","imopenlines"]}],
 "apps":[{"client_id":"other","client_secret":"other-secret","scopes":["imbot","imopenlines"]}],
 "tokens":[{"access_token":"second-token","refresh_token":"second-refresh","client_id":"other","user_id":1}],
 "users":[{"id":1,"name":"Tenant A admin"},{"id":7,"name":"Tenant A user"},{"id":800,"name":"Tenant A client","connector":true}],
 "bots":[{"id":70,"code":"abot","name":"Tenant A bot","client_id":"other","openline":true}],
 "chats":[{"id":500,"type":"CHAT","title":"Tenant A chat","owner_id":70,"users":[70,1,7],"entity_type":"OPEN","entity_id":"500"},
          {"id":501,"type":"LINES","title":"Tenant A line chat","owner_id":70,"users":[70,800],"entity_type":"LINES","entity_id":"livechat|5|501|800"}],
 "open_lines":[{"id":5,"code":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","name":"Tenant A line","active":true,"greeting":"Tenant A greeting","queue":[7],"bot_id":70}],
 "sessions":[{"id":5,"chat_id":501,"line_id":5,"client_id":800,"status":"bot","operator_id":70}]}]}}`

// bitrix24Calls are calls of every Bitrix24 method on a tenant's ids
// (chat, open-line chat, line code, a user only it has), each through the
// caller's webhook or token (cred is a path prefix and a query suffix).
func bitrix24Calls(prefix, auth, client, chat, lineChat, code, user string) []crossCall {
	q := func(method, params string) string {
		return prefix + method + "?" + params + "&CLIENT_ID=" + client + auth
	}
	return []crossCall{
		{name: "imbot.chat.add with its user", path: q("imbot.chat.add", "USERS[]="+user), status: 400},
		{name: "imbot.chat.get of its chat's entity", path: q("imbot.chat.get", "ENTITY_TYPE=OPEN&ENTITY_ID="+chat), status: 200, empty: true},
		{name: "imbot.chat.get of its chat", path: q("imbot.chat.get", "DIALOG_ID=chat"+chat), status: 403},
		{name: "imbot.chat.user.list", path: q("imbot.chat.user.list", "CHAT_ID="+chat), status: 200, empty: true},
		{name: "imbot.chat.user.add", path: q("imbot.chat.user.add", "CHAT_ID="+chat+"&USERS[]=1"), status: 400},
		{name: "imbot.chat.user.delete", path: q("imbot.chat.user.delete", "CHAT_ID="+chat+"&USER_ID=1"), status: 400},
		{name: "imbot.chat.leave", path: q("imbot.chat.leave", "CHAT_ID="+chat), status: 400},
		{name: "imbot.chat.updateTitle", path: q("imbot.chat.updateTitle", "CHAT_ID="+chat+"&TITLE=taken"), status: 400},
		{name: "imbot.chat.updateColor", path: q("imbot.chat.updateColor", "CHAT_ID="+chat+"&COLOR=MINT"), status: 400},
		{name: "imbot.chat.updateAvatar", path: q("imbot.chat.updateAvatar", "CHAT_ID="+chat+"&AVATAR=R0lGODlhAQABAAAAACw="), status: 400},
		{name: "imbot.chat.setOwner", path: q("imbot.chat.setOwner", "CHAT_ID="+chat+"&USER_ID=1"), status: 400},
		{name: "imbot.dialog.get", path: q("imbot.dialog.get", "DIALOG_ID=chat"+chat), status: 403},
		{name: "imopenlines.network.join", path: q("imopenlines.network.join", "CODE="+code), status: 400},
		{name: "imopenlines.network.message.add", path: q("imopenlines.network.message.add", "CODE="+code+"&USER_ID="+user+"&MESSAGE=x"), status: 400},
		{name: "imopenlines.network.message.send", path: q("imopenlines.network.message.send", "CODE="+code+"&USER_ID="+user+"&MESSAGE=x"), status: 400},
		{name: "imopenlines.bot.session.operator", path: q("imopenlines.bot.session.operator", "CHAT_ID="+lineChat), status: 400},
		{name: "imopenlines.bot.session.transfer", path: q("imopenlines.bot.session.transfer", "CHAT_ID="+lineChat+"&USER_ID=1&LEAVE=N"), status: 400},
		// These two answer true whether or not the chat has a session (the
		// vendor's documented answer); the state check shows they did nothing.
		{name: "imopenlines.bot.session.finish", path: q("imopenlines.bot.session.finish", "CHAT_ID="+lineChat), status: 200},
		{name: "imopenlines.bot.session.message.send", path: q("imopenlines.bot.session.message.send", "CHAT_ID="+lineChat+"&NAME=DEFAULT&MESSAGE=x"), status: 200},
		{name: "batch of writes", path: q("batch", "cmd[a]="+url.QueryEscape("imbot.chat.user.add?CLIENT_ID="+client+"&CHAT_ID="+chat+"&USERS[]=1")+
			"&cmd[b]="+url.QueryEscape("imbot.chat.updateTitle?CLIENT_ID="+client+"&CHAT_ID="+chat+"&TITLE=taken")+
			"&cmd[c]="+url.QueryEscape("imopenlines.bot.session.finish?CLIENT_ID="+client+"&CHAT_ID="+lineChat)), status: 200},
	}
}

// TestBitrix24TenantIsolation: the second portal's webhook and token reach
// none of the default portal's chats, open lines, sessions or users,
// through every method (and the other way round); a webhook sent with the
// other portal's Host is refused; a refresh token is spent only by its
// own application.
func TestBitrix24TenantIsolation(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	emu.Seed(t, []byte(bitrix24SecondPortal))
	a := tenant{"portal second", []string{"Tenant A", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "second-token", "second-refresh"}}
	b := tenant{"portal default", []string{"Bot chat", "Open line client", "Open Channel", "Welcome!", "John", "Smith", "Anna", "Maria",
		"ab515f5d85a8b844d484f6ea75a2e494", "test-access-token", "test-refresh-token"}}
	isEmpty := func(body string) bool {
		var env struct {
			Result json.RawMessage `json:"result"`
		}
		r := string(env.Result)
		return json.Unmarshal([]byte(body), &env) == nil && (r == "" || string(env.Result) == "null" || string(env.Result) == "[]")
	}
	lineB, lineA := "ab515f5d85a8b844d484f6ea75a2e494", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

	var aOnB []crossCall
	for _, c := range bitrix24Calls("/rest/1/two/", "", "other", "13", "12", lineB, "4") {
		c.name = "webhook " + c.name
		aOnB = append(aOnB, c)
	}
	for _, c := range bitrix24Calls("/rest/", "&auth=second-token", "other", "13", "12", lineB, "4") {
		c.name = "token " + c.name
		aOnB = append(aOnB, c)
	}
	aOnB = append(aOnB,
		crossCall{name: "webhook with the default portal's Host", path: "/rest/1/two/imbot.chat.user.list?CLIENT_ID=other&CHAT_ID=13",
			header: []string{"Host", "chatemu.bitrix24.com"}, status: 401},
		crossCall{name: "token as a Bearer header with the default portal's Host", path: "/rest/imbot.chat.user.list?CHAT_ID=13",
			header: []string{"Host", "chatemu.bitrix24.com", "Authorization", "Bearer second-token"}, status: 200, empty: true},
		crossCall{name: "the default app's client id", path: "/rest/1/two/imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=13", status: 400},
		crossCall{name: "refresh of the default portal's token with the second app", path: "/oauth/token/?" + url.Values{
			"grant_type": {"refresh_token"}, "client_id": {"other"}, "client_secret": {"other-secret"}, "refresh_token": {"test-refresh-token"}}.Encode(), status: 401},
		crossCall{name: "refresh of the default portal's token with the default app id and the second app's secret", path: "/oauth/token/?" + url.Values{
			"grant_type": {"refresh_token"}, "client_id": {"chatemu"}, "client_secret": {"other-secret"}, "refresh_token": {"test-refresh-token"}}.Encode(), status: 401},
	)
	runCrossCalls(t, emu.URL(), a, b, aOnB, isEmpty)

	var bOnA []crossCall
	for _, c := range bitrix24Calls("/rest/1/abc/", "", "chatemu", "500", "501", lineA, "800") {
		c.name = "webhook " + c.name
		bOnA = append(bOnA, c)
	}
	for _, c := range bitrix24Calls("/rest/", "&auth=test-access-token", "chatemu", "500", "501", lineA, "800") {
		c.name = "token " + c.name
		bOnA = append(bOnA, c)
	}
	bOnA = append(bOnA,
		crossCall{name: "webhook with the second portal's Host", path: "/rest/1/abc/imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=500",
			header: []string{"Host", "second.example"}, status: 401},
		crossCall{name: "refresh of the second portal's token with the default app", path: "/oauth/token/?" + url.Values{
			"grant_type": {"refresh_token"}, "client_id": {"chatemu"}, "client_secret": {"chatemu-secret"}, "refresh_token": {"second-refresh"}}.Encode(), status: 401},
	)
	runCrossCalls(t, emu.URL(), b, a, bOnA, isEmpty)
}

// imBoxSecondAccount is an account of its own: key, agent, page filter and
// a conversation with messages, tags, labels and a card.
const imBoxSecondAccount = `{"imbox":{
 "accounts":[{"sid":2,"apiKey":"second-key","name":"Tenant A shop"}],
 "agents":[{"agentID":21,"sid":2,"agentName":"Tenant A agent","displayName":"Sven","agentEmail":"sven@second.example","agentLastActive":"2020-01-01T00:00:00.000Z"}],
 "pageFilters":[{"id":21,"sid":2,"searchFilter":"tenant-a-page","searchName":"Tenant A filter","matchType":"like"}],
 "conversations":[{"sid":2,"conversationID":"V2001","date":"2020-01-01T00:00:00.000Z",
   "visitor":{"user_city":"Tenant A city"},
   "tags":[{"tag":"Tenant A tag","type":1,"createdDate":"2020-01-01T00:00:00.000Z"}],
   "labels":[{"label":"Tenant A label","createdDate":"2020-01-01T00:00:00.000Z"}],
   "cards":[{"dataID":"9","data":"Tenant A card","createdDate":"2020-01-01T00:00:00.000Z","updatedDate":"2020-01-01T00:00:00.000Z"}],
   "messages":[{"id":9001,"from":"V2001","message":"Tenant A visitor message","date":"2020-01-01T00:00:00.000Z","agentID":0},
               {"id":9002,"from":"Sven","message":"Tenant A agent message","date":"2020-01-01T00:00:01.000Z","agentID":21}]}]}}`

// imBoxCalls are calls of every ImBox operation with a caller's key and
// sid on another account's conversation, agent and page filter, plus the
// caller's key with the other account's sid.
func imBoxCalls(key, sid, otherSID, conv, agent, filter string) []crossCall {
	const span = "/2019-12-01/2020-03-31"
	const stats = "?startTime=2019-12-01T00:00:00.000Z&endTime=2020-03-31T00:00:00.000Z"
	own := key + "/" + sid
	mixed := key + "/" + otherSID
	var calls []crossCall
	for _, c := range []struct{ name, path string }{
		{"listConversations", "/message/listConversations/" + mixed + span},
		{"grabConversation", "/message/grabConversation/" + mixed + "/" + conv},
		{"grabVisitorInfo", "/message/grabVisitorInfo/" + mixed + "/" + conv},
		{"grabVisitorTags", "/message/grabVisitorTags/" + mixed + "/" + conv},
		{"grabVisitorLabels", "/message/grabVisitorLabels/" + mixed + "/" + conv},
		{"grabVisitorCards", "/message/grabVisitorCards/" + mixed + "/" + conv},
		{"grabAgent", "/message/grabAgent/" + mixed + "/" + agent},
		{"grabAgents", "/message/grabAgents/" + mixed},
		{"chatStatistics", "/message/chatStatistics/" + mixed + stats},
		{"pageFilters", "/message/pageFilters/" + mixed},
	} {
		calls = append(calls, crossCall{name: c.name + " with the other sid", method: "GET", path: c.path, status: 403})
	}
	return append(calls,
		crossCall{name: "listConversations through its page filter", method: "GET", path: "/message/listConversations/" + own + span + "?pageFilterId=" + filter, status: 200, empty: true},
		crossCall{name: "grabConversation of its conversation", method: "GET", path: "/message/grabConversation/" + own + "/" + conv, status: 404},
		crossCall{name: "grabVisitorInfo of its conversation", method: "GET", path: "/message/grabVisitorInfo/" + own + "/" + conv, status: 404},
		crossCall{name: "grabVisitorTags of its conversation", method: "GET", path: "/message/grabVisitorTags/" + own + "/" + conv, status: 404},
		crossCall{name: "grabVisitorLabels of its conversation", method: "GET", path: "/message/grabVisitorLabels/" + own + "/" + conv, status: 404},
		crossCall{name: "grabVisitorCards of its conversation", method: "GET", path: "/message/grabVisitorCards/" + own + "/" + conv, status: 404},
		crossCall{name: "grabAgent of its agent", method: "GET", path: "/message/grabAgent/" + own + "/" + agent, status: 404},
		crossCall{name: "listConversations of the whole span", method: "GET", path: "/message/listConversations/" + own + span, status: 200},
		crossCall{name: "grabAgents", method: "GET", path: "/message/grabAgents/" + own, status: 200},
		crossCall{name: "chatStatistics of the whole span", method: "GET", path: "/message/chatStatistics/" + own + stats, status: 200},
		crossCall{name: "chatStatistics as CSV", method: "GET", path: "/message/chatStatistics/" + own + stats + "&fileType=csv", status: 200},
		crossCall{name: "pageFilters", method: "GET", path: "/message/pageFilters/" + own, status: 200},
	)
}

// TestImBoxTenantIsolation: account 2's API key reaches none of account
// 1's conversations, visitors, agents, statistics or page filters, through
// every operation (and the other way round); a key sent with the other
// account's sid is refused.
func TestImBoxTenantIsolation(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	emu.Seed(t, []byte(imBoxSecondAccount))
	// Markers are values only the account's data holds; conversation ids
	// are left out, as an error names the id the caller sent.
	a := tenant{"account 2", []string{"Tenant A", "tenant-a-page", "sven@second.example", "second-key"}}
	b := tenant{"account 1", []string{"John Doe", "Jane Doe", "john.doe@example.org", "Stockholm", "Hello", "how can i help",
		"documentation page", `:"searchFilter"`, `:"searchName"`, "BankId", "Custom tag", "Name: John Doe", "V18751500044654323221", "example.org/support"}}
	isEmpty := func(body string) bool {
		var env struct {
			JSON []any `json:"json"`
		}
		return json.Unmarshal([]byte(body), &env) == nil && env.JSON != nil && len(env.JSON) == 0
	}
	runCrossCalls(t, emu.URL(), a, b, imBoxCalls("second-key", "2", "1", "V1", "1", "1"), isEmpty)
	runCrossCalls(t, emu.URL(), b, a, imBoxCalls("apiKey", "1", "2", "V2001", "21", "21"), isEmpty)
}
