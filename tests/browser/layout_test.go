package browser

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestScreenshot fills the journal (vendor requests, a fault, a bot event
// delivered) and photographs the dashboard at 1280x800 with the delivery
// opened. With CHATEMU_SCREENSHOT=<file.png> it writes the picture there
// (make screenshot: docs/dashboard.png).
func TestScreenshot(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	do(t, ctx, "sizing the window", chromedp.EmulateViewport(1280, 800))
	open(t, ctx, srv)
	getUsers(t, srv)
	createRoom(t, srv, "Release planning")
	call(t, srv, http.MethodPost, "/imbachat/v2/627/get_rooms", url.Values{"room_type": {"0"}}, "627", "wrong")
	do(t, ctx, "activating a scenario", chromedp.Click(chromedp.CSS("#tab-scenarios")))
	until(t, ctx, "the bundled scenarios", `document.querySelector('button[data-activate="imbachat-outage"]') !== null`)
	do(t, ctx, "activating imbachat-outage", chromedp.Click(chromedp.CSS(`button[data-activate="imbachat-outage"]`)))
	until(t, ctx, "the active rule", `document.querySelector('[data-rule="imbachat-outage/every call fails"]') !== null`)
	call(t, srv, http.MethodPost, "/imbachat/v2/627/send_msg", url.Values{"user_id": {"1"}, "room_id": {"1536"}, "message": {"hi"}}, "627", "secret_key")
	// A person writes to a bot: its handler gets the event (a delivery row)
	// and answers through the REST API.
	bot := newTestBot(t, srv)
	srv.Bitrix24().Write(t, bot.ID(), 1, "Hello bot")
	do(t, ctx, "back to the journal", chromedp.Click(chromedp.CSS("#tab-journal")))
	until(t, ctx, "the delivery row", deliveryRow("ONIMBOTMESSAGEADD")+` !== undefined`)
	until(t, ctx, "the bot's answer", `document.querySelector('#journal-body tr[data-op="bitrix24.imbot.message.add"]') !== null`)
	eval[any](t, ctx, deliveryRow("ONIMBOTMESSAGEADD")+`.click()`)
	until(t, ctx, "the detail", `document.querySelector("#curl") !== null`)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("CHATEMU_SCREENSHOT")
	if out == "" {
		out = filepath.Join(t.TempDir(), "dashboard.png")
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	// At 1280 wide nothing scrolls sideways.
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1280 {
		t.Errorf("the page is %dpx wide at 1280", w)
	}
}

// TestNarrowWindow: at 400px wide the page stacks its parts and nothing
// scrolls sideways; the tabs work from the keyboard.
func TestNarrowWindow(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	do(t, ctx, "sizing the window", chromedp.EmulateViewport(400, 800))
	open(t, ctx, srv)
	getUsers(t, srv)
	until(t, ctx, "the request's row", `document.querySelector('#journal-body tr[data-op="imbachat.get_users"]') !== null`)
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 400 {
		t.Errorf("the page is %dpx wide at 400", w)
	}
	// Keyboard: from the first tab, two arrows right select the third and
	// show its panel.
	do(t, ctx, "moving through the tabs by keyboard", chromedp.Focus(chromedp.CSS("#tab-journal")),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight))
	until(t, ctx, "the scenarios tab", `document.activeElement.id === "tab-scenarios" && !document.querySelector("#panel-scenarios").hidden`)
	// A journal row opens with Enter.
	do(t, ctx, "back to the journal", chromedp.Click(chromedp.CSS("#tab-journal")),
		chromedp.Focus(chromedp.CSS(`#journal-body tr[data-op="imbachat.get_users"]`)), chromedp.KeyEvent(kb.Enter))
	until(t, ctx, "the detail", `document.querySelector("#curl") !== null`)
}
