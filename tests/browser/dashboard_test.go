package browser

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

const adminToken = "s3cret-admin"

// start is an instance protected by adminToken.
func start(t *testing.T) *testkit.Server {
	t.Helper()
	return testkit.Start(t, testkit.WithConfig(func(c *emulator.Config) { c.AdminToken = adminToken }))
}

// open loads the dashboard, gives it the admin token and waits until the
// live journal is connected.
func open(t *testing.T, ctx context.Context, srv *testkit.Server) {
	t.Helper()
	do(t, ctx, "opening the dashboard",
		chromedp.Navigate(srv.URL()+"/_emulator/ui/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)))
	until(t, ctx, "the live journal", `document.querySelector("#live-status").textContent === "live"`)
}

// call sends a vendor request and answers its status and body.
func call(t *testing.T, srv *testkit.Server, method, path string, form url.Values, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return send(t, srv, req)
}

// send sends a request to the instance and answers its status and body.
func send(t *testing.T, srv *testkit.Server, req *http.Request) (int, string) {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func getUsers(t *testing.T, srv *testkit.Server) (int, string) {
	return call(t, srv, http.MethodPost, "/imbachat/v2/627/get_users", url.Values{"status": {"admin"}}, "627", "secret_key")
}

// createRoom creates a room of widget 209 through the ImbaChat API.
func createRoom(t *testing.T, srv *testkit.Server, title string) {
	t.Helper()
	status, body := call(t, srv, http.MethodPost, "/imbachat/v1/widget/imba_rooms", url.Values{
		"imba_id": {"209"}, "login": {"admin"}, "password": {"admin"}, "users_ids[0]": {"3"}, "users_ids[1]": {"4"},
		"room_type": {"1"}, "room_title": {title}}, "", "")
	if status != http.StatusOK || !strings.Contains(body, `"success":true`) {
		t.Fatalf("imba_rooms: %d %s", status, body)
	}
}

func TestJournalShowsARequestMadeAfterThePageOpened(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	open(t, ctx, srv)
	if status, body := getUsers(t, srv); status != http.StatusOK {
		t.Fatalf("get_users: %d %s", status, body)
	}
	row := `#journal-body tr[data-kind="request"][data-op="imbachat.get_users"]`
	until(t, ctx, "the request's row", `document.querySelector(`+js(row)+`) !== null`)
	do(t, ctx, "opening the row", chromedp.Click(chromedp.CSS(row)))
	until(t, ctx, "the request's detail", `document.querySelector("#curl") !== null`)
	curl := text(t, ctx, "#curl")
	for _, want := range []string{"curl -X POST", "/imbachat/v2/627/get_users", "Authorization: Basic", "status=admin"} {
		if !strings.Contains(curl, want) {
			t.Errorf("copy as curl = %q, want it to hold %q", curl, want)
		}
	}
	if answer := text(t, ctx, "#detail-answer"); !strings.Contains(answer, `"success"`) {
		t.Errorf("the answer shown = %q, want the vendor's body", answer)
	}
	// The filters narrow what is shown: another vendor hides the row.
	do(t, ctx, "filtering by vendor", chromedp.SetValue(chromedp.CSS("#f-vendor"), "imbox"),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#f-vendor").dispatchEvent(new Event("change"))`))
			return err
		}))
	until(t, ctx, "the row hidden by the vendor filter", `document.querySelector(`+js(row)+`) === null`)
}

func TestScenarioActivatedFromThePageFailsTheNextRequestAndCountsIt(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	open(t, ctx, srv)
	do(t, ctx, "opening the scenarios", chromedp.Click(chromedp.CSS("#tab-scenarios")))
	activate := `button[data-activate="imbachat-outage"]`
	until(t, ctx, "the bundled scenarios", `document.querySelector(`+js(activate)+`) !== null`)
	do(t, ctx, "activating imbachat-outage", chromedp.Click(chromedp.CSS(activate)))
	fired := `[data-rule="imbachat-outage/every call fails"] .fired`
	until(t, ctx, "the active rule", `(document.querySelector(`+js(fired)+`) || {}).textContent === "0"`)

	status, body := getUsers(t, srv)
	if status != http.StatusInternalServerError {
		t.Fatalf("get_users under imbachat-outage: %d %s, want 500", status, body)
	}
	until(t, ctx, "the fire count rising", `(document.querySelector(`+js(fired)+`) || {}).textContent === "1"`)
}

func TestScenarioEditorShowsProblemsAtTheirPath(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	open(t, ctx, srv)
	bad := `{"name": "broken", "rules": [{"name": "r", "match": {"vendor": "imbachat"}, "action": {"type": "explode"}}]}`
	do(t, ctx, "checking a bad scenario", chromedp.Click(chromedp.CSS("#tab-scenarios")),
		chromedp.SetValue(chromedp.CSS("#scenario-editor"), bad),
		chromedp.Click(chromedp.CSS("#scenario-check")))
	until(t, ctx, "the problems", `document.querySelector("#scenario-problems") !== null`)
	if got := text(t, ctx, "#scenario-problems"); !strings.Contains(got, "/rules/0/action") {
		t.Errorf("problems = %q, want one at /rules/0/action", got)
	}
	if len(srv.FaultCounts()) != 0 {
		t.Errorf("a checked scenario was activated: %+v", srv.FaultCounts())
	}
}

func TestStateBrowserShowsARoomCreatedThroughTheAPI(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	open(t, ctx, srv)
	createRoom(t, srv, "Browser test room")
	do(t, ctx, "opening the state browser", chromedp.Click(chromedp.CSS("#tab-state")))
	until(t, ctx, "widget 209", `document.querySelector('#state-tenants button[data-tenant="209"]') !== null`)
	do(t, ctx, "choosing widget 209", chromedp.Click(chromedp.CSS(`#state-tenants button[data-tenant="209"]`)))
	room := `[...document.querySelectorAll('#state-view tr[data-kind="room"]')].find(r => r.textContent.includes("Browser test room"))`
	until(t, ctx, "the new room", room+` !== undefined`)
	eval[any](t, ctx, room+`.click()`)
	until(t, ctx, "the room's members", `document.querySelector("#state-detail").textContent.includes("Members (2)")`)
}

func TestAWrongAdminTokenIsRefused(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	do(t, ctx, "giving a wrong token",
		chromedp.Navigate(srv.URL()+"/_emulator/ui/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), "not-the-token"),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)))
	until(t, ctx, "the refusal", `document.querySelector("#login-error").textContent.includes("refused")`)
	if !eval[bool](t, ctx, `document.querySelector("#app").hidden`) {
		t.Error("the dashboard is shown after a wrong token")
	}
	// The live journal refuses it too.
	resp, err := srv.Client().Get(srv.URL() + "/_emulator/events?token=not-the-token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("events with a wrong token: %d, want 401", resp.StatusCode)
	}
	do(t, ctx, "giving the right token", chromedp.SendKeys(chromedp.CSS("#token"), adminToken), chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)))
	until(t, ctx, "the dashboard", `!document.querySelector("#app").hidden && document.querySelector("#live-status").textContent === "live"`)
}

func TestStateExportAndImportRoundTrip(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	open(t, ctx, srv)
	createRoom(t, srv, "Kept in the snapshot")
	dir := t.TempDir()
	do(t, ctx, "opening the instance panel", chromedp.Click(chromedp.CSS("#tab-instance")))
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &[]bool{true}[0]}); err != nil {
		t.Fatal(err)
	}
	downloads := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	do(t, ctx, "exporting", chromedp.Click(chromedp.CSS("#export")))
	var file string
	for ev, err := range downloads {
		if err != nil {
			t.Fatalf("no snapshot was downloaded: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var snap emulator.Snapshot
	if err := json.Unmarshal(data, &snap); err != nil || snap.Format == "" {
		t.Fatalf("the download is no snapshot (%v): %.200s", err, data)
	}
	roomKey := ""
	for k, v := range snap.Documents {
		if strings.HasPrefix(k, "imbachat:room:") && strings.Contains(string(v), "Kept in the snapshot") {
			roomKey = k
		}
	}
	if roomKey == "" {
		t.Fatal("the snapshot does not hold the new room")
	}

	do(t, ctx, "resetting", chromedp.Click(chromedp.CSS("#reset")))
	until(t, ctx, "the reset", `document.querySelector("#instance-result").textContent.includes("reset")`)
	if _, ok := documents(t, srv)[roomKey]; ok {
		t.Fatal("the room survived the reset")
	}
	do(t, ctx, "importing", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}))
	until(t, ctx, "the import", `document.querySelector("#instance-result").textContent.includes("imported")`)
	after := documents(t, srv)
	var want any
	if err := json.Unmarshal(snap.Documents[roomKey], &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after[roomKey], want) {
		t.Errorf("after the import %s = %v, want %v", roomKey, after[roomKey], want)
	}
	if len(after) != len(snap.Documents) {
		t.Errorf("after the import: %d documents, want %d", len(after), len(snap.Documents))
	}
}
