package imbachat_test

// The site's "Users info URL": chatemu calls it as ImbaChat does for the
// site users it meets without a profile, and stores what the site answers
// (docs/imbachat.md, "Your endpoints"; docs/fidelity.md, "Users info").
// Every test runs a site of its own (httptest) and waits for the call in
// the delivery journal; none measures time.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/testkit"
)

// siteCall is one call the site received.
type siteCall struct {
	method, path, query string
	login, password     string
	basic               bool
	accept              string
}

// site is an integrating site's users info endpoint: it answers the
// profiles it knows, or what answer says.
type site struct {
	srv      *httptest.Server
	mu       sync.Mutex
	calls    []siteCall
	profiles map[string]map[string]any
	// answer, when set, answers instead of the profiles.
	answer func(w http.ResponseWriter, r *http.Request)
	// hold, when set, keeps every answer until it is closed.
	hold chan struct{}
	// arrived gets a value as each call arrives.
	arrived chan struct{}
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{arrived: make(chan struct{}, 100), profiles: map[string]map[string]any{
		"5": {"user_id": 5, "name": "Ann Site", "avatar_url": "https://site.example/ann.png", "user_mail": "ann@site.example", "chat_role": "admin", "permissions": false},
		"6": {"user_id": "6", "name": "Bob Site", "user_mail": "bob@site.example", "chat_role": "user", "permissions": map[string]any{"send_files": 1}},
		"7": {"user_id": 7, "name": "Cid Site", "chat_role": "user"},
		"8": {"user_id": 8, "name": "Dee Site", "chat_role": "user"},
	}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	login, password, ok := r.BasicAuth()
	s.mu.Lock()
	s.calls = append(s.calls, siteCall{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, login: login,
		password: password, basic: ok, accept: r.Header.Get("Accept")})
	hold := s.hold
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	answer := s.answer
	ids := r.URL.Query().Get("user_ids")
	if ids == "" { // a {ids} route: the last segment
		ids = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	}
	out := []map[string]any{}
	for _, id := range strings.Split(ids, ",") {
		if p, ok := s.profiles[id]; ok {
			out = append(out, p)
		}
	}
	body, err := json.Marshal(out)
	s.mu.Unlock()
	if answer != nil {
		answer(w, r)
		return
	}
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// waitCall waits for the next call to arrive.
func (s *site) waitCall(t *testing.T) {
	t.Helper()
	select {
	case <-s.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the site was not called")
	}
}

// set changes the site under its lock.
func (s *site) set(change func(s *site)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(s)
}

func (s *site) received() []siteCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]siteCall(nil), s.calls...)
}

// holdAnswers keeps the site's answers until the returned func is called
// (also at the test's end).
func (s *site) holdAnswers(t *testing.T) (release func()) {
	t.Helper()
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	return release
}

// siteWidget is a seed with a widget whose users info URL is url, secret
// key "sk<id>" and site login admin/admin; extra widget fields go in
// extra. It has no users: they appear as rooms name them.
func siteWidget(id int, url, extra string) []byte {
	if extra != "" {
		extra = ", " + extra
	}
	return []byte(fmt.Sprintf(`{"imbachat": {"widgets": [{"imba_id": %d, "secret_key": "sk%d", "login": "admin", "password": "admin", "users_info_url": %q%s}]}}`,
		id, id, url, extra))
}

// startWithSite starts an instance with widget 700 calling s at its
// WordPress route, API login site-api, API password site-pass.
func startWithSite(t *testing.T, s *site, opts ...testkit.Option) *testkit.Server {
	t.Helper()
	seed := siteWidget(700, s.srv.URL+"/wp-json/imbachat/v1/getusers/{ids}", `"api_login": "site-api", "api_password": "site-pass"`)
	return start(t, append([]testkit.Option{testkit.WithSeedData(seed)}, opts...)...)
}

// createRoom creates a room of a widget with members (external ids).
func createRoom(t *testing.T, emu *testkit.Server, widget int, members ...string) int {
	t.Helper()
	fields := siteCreds(widget)
	for i, m := range members {
		fields = append(fields, kv{fmt.Sprintf("users_ids[%d]", i), m})
	}
	r := do(t, emu, request{path: roomsPath, enc: urlencodedEnc, fields: fields})
	if r.status != http.StatusOK {
		t.Fatalf("imba_rooms: %d %s", r.status, r.body)
	}
	var env struct {
		Data []struct {
			RoomID int `json:"room_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || len(env.Data) != 1 {
		t.Fatalf("imba_rooms answer %s: %v", r.body, err)
	}
	return env.Data[0].RoomID
}

// usersOf is a widget's get_users, by external id.
func usersOf(t *testing.T, emu *testkit.Server, widget int, secretKey string) map[string]map[string]any {
	t.Helper()
	r := do(t, emu, request{path: v2(widget, "get_users"), enc: noBody, basic: basic(fmt.Sprint(widget), secretKey)})
	if r.status != http.StatusOK {
		t.Fatalf("get_users: %d %s", r.status, r.body)
	}
	validateSchema(t, "get_users", r.body)
	var env struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, u := range env.Data {
		out[u["remote_user_id"].(string)] = u
	}
	return out
}

// assertNoProfile checks that a user shows what ImbaChat shows before the
// site has answered for it.
func assertNoProfile(t *testing.T, emu *testkit.Server, widget int, remote string) {
	t.Helper()
	u := usersOf(t, emu, widget, fmt.Sprintf("sk%d", widget))[remote]
	if u == nil {
		t.Fatalf("get_users has no user %s", remote)
	}
	if u["user_data"] != nil || u["status"] != "user" || !strings.HasPrefix(u["avatar_url"].(string), "https://secure.gravatar.com/avatar/") {
		t.Errorf("user %s before a profile: %v", remote, u)
	}
	if v := emu.ImbaChat().User(t, int64(widget), remote); v.Name != "User "+remote || v.ProfileAt != nil {
		t.Errorf("user %s view before a profile: %+v", remote, v)
	}
}

func TestUsersInfoCall(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, url, extra string
		path, query      string
		login, password  string
	}{
		{name: "WordPress route with {ids}", url: "/wp-json/imbachat/v1/getusers/{ids}", extra: `"api_login": "site-api", "api_password": "site-pass"`,
			path: "/wp-json/imbachat/v1/getusers/5,6", login: "site-api", password: "site-pass"},
		{name: "docs sample: user_ids appended", url: "/imbachat/users", extra: `"api_login": "site-api", "api_password": "site-pass"`,
			path: "/imbachat/users", query: "user_ids=5,6", login: "site-api", password: "site-pass"},
		{name: "user_ids after the URL's own query", url: "/index.php?route=imbachat/users", extra: `"api_login": "site-api"`,
			path: "/index.php", query: "route=imbachat/users&user_ids=5,6", login: "site-api", password: "sk710"},
		{name: "no API login or password: the widget id and secret key", url: "/users?", path: "/users", query: "user_ids=5,6",
			login: "710", password: "sk710"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			emu := start(t, testkit.WithSeedData(siteWidget(710, s.srv.URL+c.url, c.extra)))
			release := s.holdAnswers(t)
			room := createRoom(t, emu, 710, "5", "6")
			// The request is answered before the site is: the users show
			// what ImbaChat knows of them then.
			assertNoProfile(t, emu, 710, "5")
			if v := emu.ImbaChat().User(t, 710, "5"); !v.ProfilePending {
				t.Errorf("user 5 is not being asked for: %+v", v)
			}
			release()
			d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(710))
			if d.Outcome != "delivered" || d.Status != 200 || d.Method != "GET" || d.Tenant != "widget:710" || d.Vendor != "imbachat" {
				t.Errorf("journal: %+v", d)
			}
			calls := s.received()
			if len(calls) != 1 {
				t.Fatalf("site calls: %+v", calls)
			}
			got := calls[0]
			want := siteCall{method: "GET", path: c.path, query: c.query, login: c.login, password: c.password, basic: true, accept: "application/json"}
			if got != want {
				t.Errorf("call\n got %+v\nwant %+v", got, want)
			}
			users := usersOf(t, emu, 710, "sk710")
			ann, bob := users["5"], users["6"]
			if ann["status"] != "admin" || ann["avatar_url"] != "https://site.example/ann.png" || ann["updated_at"] != nowText {
				t.Errorf("user 5: %v", ann)
			}
			wantData := map[string]any{"user_id": float64(5), "name": "Ann Site", "avatar_url": "https://site.example/ann.png",
				"user_mail": "ann@site.example", "chat_role": "admin", "permissions": false}
			if fmt.Sprint(ann["user_data"]) != fmt.Sprint(wantData) {
				t.Errorf("user 5 user_data: %v", ann["user_data"])
			}
			if bob["status"] != "user" || !strings.HasPrefix(bob["avatar_url"].(string), "https://secure.gravatar.com/") {
				t.Errorf("user 6 (no avatar from the site keeps the identicon): %v", bob)
			}
			v := emu.ImbaChat().User(t, 710, "6")
			if v.Name != "Bob Site" || v.ProfileAt != nowText || v.ProfilePending {
				t.Errorf("user 6 view: %+v", v)
			}
			if view := emu.ImbaChat().Room(t, 710, int64(room)); view.Members[0].Name != "Ann Site" || view.Members[1].Name != "Bob Site" {
				t.Errorf("room members: %+v", view.Members)
			}
			// The fetched name is the author's name get_messages filters by.
			do(t, emu, request{path: v2(710, "send_msg"), enc: urlencodedEnc, basic: basic("710", "sk710"),
				fields: kvs("user_id", "5", "room_id", fmt.Sprint(room), "message", "hi")})
			r := do(t, emu, request{path: v2(710, "get_messages"), enc: urlencodedEnc, basic: basic("710", "sk710"), fields: kvs("user_name", "ann site")})
			if !strings.Contains(string(r.body), `"message":"hi"`) {
				t.Errorf("get_messages by the site's name: %s", r.body)
			}
		})
	}
}

// TestUsersInfoTriggers: a room created or extended with users_ids, a
// send_msg and a widget write (control plane and testkit) ask about users
// without a profile; a send_msg from a user the widget does not hold is
// refused and asks nothing.
func TestUsersInfoTriggers(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	emu := startWithSite(t, s)
	calls := emu.ImbaChat().UsersInfoCalls(700)
	// The first call is held until the room has been extended; each
	// later call is awaited after the one before (Since).
	release := s.holdAnswers(t)
	room := createRoom(t, emu, 700)
	if n := len(emu.Deliveries(calls)); n != 0 {
		t.Fatalf("a room without users asked the site: %d", n)
	}
	r := do(t, emu, request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(700), kvs("room_id", fmt.Sprint(room), "users_ids[0]", "5"))})
	if r.status != 200 {
		t.Fatalf("extend: %d %s", r.status, r.body)
	}
	release()
	first := emu.WaitDelivery(t, calls)
	if !strings.HasSuffix(first.URL, "/getusers/5") {
		t.Errorf("extending the room asked %s", first.URL)
	}
	// User 5 now has a profile: sending as 5 asks nothing; user 6 added
	// by a failed site answer has none.
	s.set(func(s *site) {
		s.answer = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }
	})
	do(t, emu, request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(700), kvs("room_id", fmt.Sprint(room), "users_ids[0]", "5", "users_ids[1]", "6"))})
	second := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Tenant: "widget:700", Since: first.Seq})
	if !strings.HasSuffix(second.URL, "/getusers/6") || second.Outcome != "handler_error" || second.Status != 503 {
		t.Errorf("second call: %+v", second)
	}
	s.set(func(s *site) { s.answer = nil })

	r = do(t, emu, request{path: v2(700, "send_msg"), enc: urlencodedEnc, basic: basic("700", "sk700"),
		fields: kvs("user_id", "6", "room_id", fmt.Sprint(room), "message", "from 6")})
	if r.status != 200 {
		t.Fatalf("send_msg: %d %s", r.status, r.body)
	}
	third := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: second.Seq})
	if !strings.HasSuffix(third.URL, "/getusers/6") || third.Outcome != "delivered" {
		t.Errorf("send_msg's call: %+v", third)
	}
	if v := emu.ImbaChat().User(t, 700, "6"); v.Name != "Bob Site" {
		t.Errorf("user 6 after send_msg: %+v", v)
	}

	// Unknown sender: 404, no call. Then a widget write by a member
	// without a profile (user 7, added while the site held its answer).
	r = do(t, emu, request{path: v2(700, "send_msg"), enc: urlencodedEnc, basic: basic("700", "sk700"),
		fields: kvs("user_id", "99", "room_id", fmt.Sprint(room), "message", "who")})
	assertError(t, r, 404, "User 99 not found in widget 700")
	release = s.holdAnswers(t)
	do(t, emu, request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(700), kvs("room_id", fmt.Sprint(room), "users_ids[0]", "7", "users_ids[1]", "8"))})
	s.set(func(s *site) {
		s.answer = func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("[]")) }
	})
	release()
	fourth := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: third.Seq})
	if !strings.HasSuffix(fourth.URL, "/getusers/7,8") {
		t.Errorf("fourth call: %+v", fourth)
	}
	// The site answered without them: they are answered for an hour.
	emu.Advance(profileTTL)
	s.set(func(s *site) { s.answer = nil })
	status, body := ctlCall(t, "POST", fmt.Sprintf("%s/_emulator/imbachat/widgets/700/rooms/%d/messages", emu.URL(), room), `{"user_id": "7", "message": "widget write"}`)
	if status != 201 {
		t.Fatalf("control write: %d %s", status, body)
	}
	fifth := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: fourth.Seq})
	if !strings.HasSuffix(fifth.URL, "/getusers/7") || emu.ImbaChat().User(t, 700, "7").Name != "Cid Site" {
		t.Errorf("control write's call: %+v", fifth)
	}
	emu.ImbaChat().Write(t, 700, int64(room), "8", "testkit write")
	sixth := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: fifth.Seq})
	if !strings.HasSuffix(sixth.URL, "/getusers/8") || emu.ImbaChat().User(t, 700, "8").Name != "Dee Site" {
		t.Errorf("testkit write's call: %+v", sixth)
	}
	if n := len(s.received()); n != 6 {
		t.Errorf("the site was called %d times, want 6: %+v", n, s.received())
	}
}

// profileTTL is how long an answered profile is kept (profiles.go).
const profileTTL = time.Hour

// TestUsersInfoCache: a profile is kept for an hour of the emulator clock,
// then the next request meeting the user asks again; a user being asked
// for is not asked for twice.
func TestUsersInfoCache(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	emu := startWithSite(t, s)
	calls := emu.ImbaChat().UsersInfoCalls(700)
	release := s.holdAnswers(t)
	createRoom(t, emu, 700, "5", "6")
	createRoom(t, emu, 700, "6", "5", "7") // 5 and 6 are being asked for
	release()
	got := emu.WaitDeliveries(t, calls, 2)
	urls := []string{got[0].URL, got[1].URL}
	if !(strings.HasSuffix(urls[0], "/5,6") && strings.HasSuffix(urls[1], "/7") || strings.HasSuffix(urls[0], "/7") && strings.HasSuffix(urls[1], "/5,6")) {
		t.Errorf("calls under way were repeated: %v", urls)
	}
	s.set(func(s *site) { s.profiles["5"]["name"] = "Ann Renamed" })
	createRoom(t, emu, 700, "5", "8") // 5 is fresh: only 8 is asked about
	third := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: max(got[0].Seq, got[1].Seq)})
	if !strings.HasSuffix(third.URL, "/getusers/8") {
		t.Errorf("a fresh profile was asked for again: %s", third.URL)
	}
	emu.Advance(profileTTL - time.Second)
	createRoom(t, emu, 700, "8", "7")
	emu.Advance(time.Second)
	createRoom(t, emu, 700, "5") // an hour old: asked again
	fourth := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: third.Seq})
	if !strings.HasSuffix(fourth.URL, "/getusers/5") {
		t.Errorf("after an hour: %s", fourth.URL)
	}
	if v := emu.ImbaChat().User(t, 700, "5"); v.Name != "Ann Renamed" {
		t.Errorf("refreshed profile: %+v", v)
	}
	if n := len(s.received()); n != 4 {
		t.Errorf("site calls: %d, want 4", n)
	}
}

// TestUsersInfoBadAnswers: a site that fails, times out or answers what is
// not a list of profiles leaves the users as they were (and the request
// that met them as it was answered); the journal shows what came back;
// the next request meeting the users asks again. Bad profiles in a good
// list are skipped one by one.
func TestUsersInfoBadAnswers(t *testing.T) {
	t.Parallel()
	write := func(status int, body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	long := strings.Repeat("x", 256)
	for _, c := range []struct {
		name    string
		answer  func(http.ResponseWriter, *http.Request)
		outcome string
		status  int
		stored  map[string]string // external id -> name stored; others keep no profile
		// answered: the site's answer counts (the users are not asked for
		// again within the hour).
		answered bool
	}{
		{name: "500", answer: write(500, "oops"), outcome: "handler_error", status: 500},
		{name: "401 of a site refusing the credentials", answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Backend"`)
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"code":401,"version":1.0,"error":"Authenticate required!","debug":""}`))
		}, outcome: "handler_error", status: 401},
		{name: "the JWT refusal with 200", answer: write(200, `{"code":401,"version":1.0,"error":"Authenticate required!","debug":""}`), outcome: "delivered", status: 200},
		{name: "HTML", answer: write(200, `<html>maintenance</html>`), outcome: "delivered", status: 200},
		{name: "cut JSON", answer: write(200, `[{"user_id":5,"name":"Ann`), outcome: "delivered", status: 200},
		{name: "null", answer: write(200, `null`), outcome: "delivered", status: 200},
		{name: "empty body", answer: write(200, ``), outcome: "delivered", status: 200},
		{name: "over 1 MiB", answer: write(200, `[`+strings.Repeat(" ", 1<<20)+`]`), outcome: "delivered", status: 200},
		{name: "redirect", answer: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) },
			outcome: "handler_error", status: 302},
		{name: "bad profiles skipped, good ones kept", answer: write(200, `[1, "x", null, {"user_id": 6}, {"name": "no id"},
			{"user_id": 99, "name": "not asked"}, {"user_id": 5, "name": "`+long+`"}, {"user_id": "6", "name": "Bob", "avatar_url": "/img/bob.png", "chat_role": "owner"},
			{"user_id": 6, "name": "Bob again"}]`), outcome: "delivered", status: 200, stored: map[string]string{"6": "Bob"}, answered: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			s.answer = c.answer
			emu := startWithSite(t, s)
			createRoom(t, emu, 700, "5", "6")
			d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
			if d.Outcome != c.outcome || d.Status != c.status {
				t.Errorf("journal: outcome %s status %d, want %s %d (%s)", d.Outcome, d.Status, c.outcome, c.status, d.Error)
			}
			for _, id := range []string{"5", "6"} {
				name, ok := c.stored[id]
				if !ok {
					if c.answered {
						if v := emu.ImbaChat().User(t, 700, id); v.Name != "User "+id || v.ProfileAt != nowText {
							t.Errorf("user %s: %+v", id, v)
						}
						continue
					}
					assertNoProfile(t, emu, 700, id)
					continue
				}
				v := emu.ImbaChat().User(t, 700, id)
				if v.Name != name || v.Status != "user" || !strings.HasPrefix(v.AvatarURL, "https://secure.gravatar.com/") {
					t.Errorf("user %s: %+v", id, v)
				}
			}
			if len(usersOf(t, emu, 700, "sk700")) != 2 {
				t.Errorf("a profile not asked for made a user")
			}
			// The next request meeting the users asks again, unless the
			// site's answer counted.
			s.set(func(s *site) { s.answer = nil })
			createRoom(t, emu, 700, "5", "6", "7")
			next := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: d.Seq})
			want := "/getusers/5,6,7"
			if c.answered {
				want = "/getusers/7"
			}
			if !strings.HasSuffix(next.URL, want) {
				t.Errorf("next call %s, want ...%s", next.URL, want)
			}
		})
	}
}

// TestUsersInfoTimeout: a site slower than the handler timeout is a
// timeout in the journal; the users keep no profile.
func TestUsersInfoTimeout(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.holdAnswers(t) // released at the test's end
	emu := startWithSite(t, s, testkit.WithEventTimeout(100*time.Millisecond))
	createRoom(t, emu, 700, "5")
	d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
	if d.Outcome != "timeout" || !strings.Contains(d.Error, "did not answer within 100ms") {
		t.Errorf("journal: %+v", d)
	}
	assertNoProfile(t, emu, 700, "5")
	if v := emu.ImbaChat().User(t, 700, "5"); v.ProfilePending {
		t.Errorf("a timed out call is still under way: %+v", v)
	}
}

// TestUsersInfoFaults: scenario rules drop, delay and duplicate the calls
// like any delivery.
func TestUsersInfoFaults(t *testing.T) {
	t.Parallel()
	rule := func(action string) *fault.Scenario {
		sc, err := fault.Parse("test", []byte(`{"name": "site", "rules": [{"name": "r", "match": {"vendor": "imbachat", "event": "users_info", "tenant": "widget:700"},
			"trigger": {"times": 1}, "action": `+action+`}]}`))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		emu := startWithSite(t, s, testkit.WithScenario(rule(`{"type": "drop"}`)))
		createRoom(t, emu, 700, "5")
		d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
		if d.Outcome != "dropped" || d.Fault != "site/r" {
			t.Errorf("journal: %+v", d)
		}
		assertNoProfile(t, emu, 700, "5")
		createRoom(t, emu, 700, "5") // asked again, and the rule is spent
		next := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbachat", Since: d.Seq})
		if next.Outcome != "delivered" || emu.ImbaChat().User(t, 700, "5").Name != "Ann Site" {
			t.Errorf("after the drop: %+v", next)
		}
		if n := len(s.received()); n != 1 {
			t.Errorf("the site heard %d calls, want 1", n)
		}
	})
	t.Run("delay", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		emu := startWithSite(t, s, testkit.WithScenario(rule(`{"type": "delay", "delay": "50ms"}`)))
		createRoom(t, emu, 700, "5")
		d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
		if d.Outcome != "delivered" || d.Fault != "site/r" || emu.ImbaChat().User(t, 700, "5").Name != "Ann Site" {
			t.Errorf("journal: %+v", d)
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		emu := startWithSite(t, s, testkit.WithScenario(rule(`{"type": "duplicate"}`)))
		createRoom(t, emu, 700, "5")
		ds := emu.WaitDeliveries(t, emu.ImbaChat().UsersInfoCalls(700), 2)
		for _, d := range ds {
			if d.Outcome != "delivered" || d.Fault != "site/r" || !strings.HasSuffix(d.URL, "/getusers/5") {
				t.Errorf("journal: %+v", d)
			}
		}
		if n := len(s.received()); n != 2 {
			t.Errorf("the site heard %d calls, want 2", n)
		}
		if len(usersOf(t, emu, 700, "sk700")) != 1 || emu.ImbaChat().User(t, 700, "5").Name != "Ann Site" {
			t.Error("the duplicate changed the users")
		}
	})
}

// TestUsersInfoTenants: each widget's site hears about its own users only,
// with its own credentials; a widget without a users info URL calls
// nobody.
func TestUsersInfoTenants(t *testing.T) {
	t.Parallel()
	a, b := newSite(t), newSite(t)
	emu := start(t,
		testkit.WithSeedData(siteWidget(700, a.srv.URL+"/a/{ids}", `"api_login": "a-login", "api_password": "a-pass"`)),
		testkit.WithSeedData(siteWidget(701, b.srv.URL+"/b/{ids}", `"api_login": "b-login", "api_password": "b-pass"`)))
	createRoom(t, emu, 209, "5", "6") // no URL: no call
	createRoom(t, emu, 700, "5")
	createRoom(t, emu, 701, "6")
	da := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
	db := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(701))
	if all := emu.Deliveries(emulator.DeliveryFilter{}); len(all) != 2 {
		t.Errorf("deliveries: %+v", all)
	}
	if da.URL != a.srv.URL+"/a/5" || db.URL != b.srv.URL+"/b/6" {
		t.Errorf("urls: %s %s", da.URL, db.URL)
	}
	if ca, cb := a.received(), b.received(); len(ca) != 1 || len(cb) != 1 ||
		ca[0].path != "/a/5" || ca[0].login != "a-login" || ca[0].password != "a-pass" ||
		cb[0].path != "/b/6" || cb[0].login != "b-login" || cb[0].password != "b-pass" {
		t.Errorf("site A heard %+v, site B %+v", ca, cb)
	}
	if emu.ImbaChat().User(t, 700, "5").Name != "Ann Site" || emu.ImbaChat().User(t, 701, "6").Name != "Bob Site" {
		t.Error("profiles not stored in their widgets")
	}
	if u := usersOf(t, emu, 701, "sk701"); len(u) != 1 || u["5"] != nil {
		t.Errorf("widget 701's users: %v", u)
	}
}

// TestUsersInfoFixtures: a users info URL is checked in seeds; fixture
// users count as answered at their updated_at; a reset forgets the calls
// under way; snapshots keep the URL and the profiles.
func TestUsersInfoFixtures(t *testing.T) {
	t.Parallel()
	t.Run("bad URLs are refused", func(t *testing.T) {
		t.Parallel()
		emu := start(t)
		for url, reason := range map[string]string{
			"ftp://site/users":                        "must be an http or https URL",
			"/users/{ids}":                            "must be an http or https URL",
			"http:///users":                           "must name a host",
			"http://site/users#x":                     "must not have a fragment",
			"http://site/" + strings.Repeat("u", 250): "at most 255 characters",
		} {
			_, err := emu.Emulator().Seed("seed", siteWidget(720, url, ""))
			if err == nil || !strings.Contains(err.Error(), "/imbachat/widgets/0/users_info_url") || !strings.Contains(err.Error(), reason) {
				t.Errorf("%s: %v", url, err)
			}
		}
	})
	t.Run("fixture users are answered at updated_at", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		emu := startWithSite(t, s)
		emu.Seed(t, []byte(`{"imbachat": {"users": [
			{"id": 3001, "imba_id": 700, "remote_user_id": "5", "name": "Seeded Ann", "updated_at": "2024-03-05 12:00:00"},
			{"id": 3002, "imba_id": 700, "remote_user_id": "6", "name": "Seeded Bob", "updated_at": "2024-03-05 11:34:56"}]}}`))
		createRoom(t, emu, 700, "5", "6")
		d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
		if !strings.HasSuffix(d.URL, "/getusers/6") {
			t.Errorf("asked %s, want only the user updated an hour ago", d.URL)
		}
		if emu.ImbaChat().User(t, 700, "5").Name != "Seeded Ann" || emu.ImbaChat().User(t, 700, "6").Name != "Bob Site" {
			t.Error("profiles")
		}
	})
	t.Run("reset forgets calls under way", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		emu := startWithSite(t, s)
		release := s.holdAnswers(t)
		createRoom(t, emu, 700, "5")
		s.waitCall(t) // the call is under way when the reset comes
		emu.Reset(t)
		// The call made before the reset ends unjournaled and stores
		// nothing; the user is asked about again.
		release()
		createRoom(t, emu, 700, "5")
		d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
		if !strings.HasSuffix(d.URL, "/getusers/5") || emu.ImbaChat().User(t, 700, "5").Name != "Ann Site" {
			t.Errorf("after reset: %+v", d)
		}
	})
	t.Run("snapshots round-trip", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		emu := startWithSite(t, s)
		createRoom(t, emu, 700, "5")
		emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
		before := exported(t, emu)
		if !strings.Contains(before, `"users_info_url":"`+s.srv.URL) || !strings.Contains(before, `"profile_at":"2024-03-05T12:34:56Z"`) {
			t.Fatalf("export lacks the URL or the profile date: %s", before)
		}
		importWith(t, emu, nil)
		if after := exported(t, emu); after != before {
			t.Errorf("round trip changed the state:\n%s\n%s", before, after)
		}
		createRoom(t, emu, 700, "5") // the imported profile is fresh
		status, body := ctlCall(t, "PUT", emu.URL()+"/_emulator/state", strings.Replace(before, s.srv.URL+"/wp-json", "ftp://x", 1))
		if status != 400 || !strings.Contains(body, "users_info_url") {
			t.Errorf("a snapshot with a bad URL: %d %s", status, body)
		}
		if n := len(emu.Deliveries(emulator.DeliveryFilter{Vendor: "imbachat"})); n != 1 {
			t.Errorf("deliveries: %d, want 1", n)
		}
	})
}
