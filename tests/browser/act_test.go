package browser

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// deliveryRow is a journal row of a delivery of event whose outcome is
// shown as delivered.
func deliveryRow(event string) string {
	return `[...document.querySelectorAll('#journal-body tr[data-kind="delivery"][data-op=` + js(event) + `]')].find(r => r.textContent.includes("delivered"))`
}

// TestBitrix24BotConversationFromThePage: a bot registered through the
// REST API; from the page user 1 writes in the bot's dialog (the handler
// gets ONIMBOTMESSAGEADD and answers with a keyboard), presses the
// keyboard's COMMAND button (ONIMCOMMANDADD, no message posted), edits and
// deletes the message; each delivery shows in the live journal.
func TestBitrix24BotConversationFromThePage(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	bot := newTestBot(t, srv)
	open(t, ctx, srv)
	do(t, ctx, "writing to the bot as user 1", chromedp.Click(chromedp.CSS("#tab-act")),
		chromedp.SetValue(chromedp.CSS(`#act-b24-dialog [name="dialog"]`), bot.ID()),
		chromedp.SetValue(chromedp.CSS(`#act-b24-dialog [name="from"]`), "1"),
		chromedp.SetValue(chromedp.CSS(`#act-b24-dialog [name="text"]`), "Hello bot"),
		chromedp.Click(chromedp.CSS(`#act-b24-dialog button[type="submit"]`)))
	until(t, ctx, "the write's answer", `document.querySelector("#act-result").textContent.includes("✔ 201")`)
	until(t, ctx, "the write in the journal", `document.querySelector('#journal-body tr[data-kind="act"][data-op="dialog.write"]') !== null`)
	until(t, ctx, "the ONIMBOTMESSAGEADD delivery, delivered", deliveryRow("ONIMBOTMESSAGEADD")+` !== undefined`)
	if got := bot.wait(t, "ONIMBOTMESSAGEADD").Get("data[PARAMS][MESSAGE]"); got != "Hello bot" {
		t.Errorf("the handler got MESSAGE %q, want the text written on the page", got)
	}

	// The bot's answer shows in the dialog view with its keyboard: the
	// COMMAND button can be pressed, the LINK button is disabled and says
	// where it leads.
	yes := `#b24-dialog button[data-command="yes"]`
	until(t, ctx, "the bot's keyboard", `document.querySelector(`+js(yes)+`) !== null`)
	if !eval[bool](t, ctx, `[...document.querySelectorAll("#b24-dialog .inert")].some(s => s.querySelector("button").disabled && s.textContent.includes("https://example.org/docs"))`) {
		t.Error("the LINK button is not shown disabled with its link")
	}
	messages := srv.Bitrix24().DialogMessages(t, bot.ID(), 1)
	if len(messages) != 2 {
		t.Fatalf("the dialog has %d messages before the press, want the user's and the bot's", len(messages))
	}
	// The dialog view is redrawn when the dialog changes: its buttons are
	// clicked in one step of the page.
	eval[any](t, ctx, `document.querySelector(`+js(yes)+`).click()`)
	until(t, ctx, "the press in the journal", `document.querySelector('#journal-body tr[data-kind="act"][data-op="message.command"]') !== null`)
	until(t, ctx, "the ONIMCOMMANDADD delivery, delivered", deliveryRow("ONIMCOMMANDADD")+` !== undefined`)
	cmd := bot.wait(t, "ONIMCOMMANDADD")
	for field, want := range map[string]string{"COMMAND": "yes", "COMMAND_PARAMS": "42", "COMMAND_CONTEXT": "KEYBOARD", "MESSAGE_ID": strconv.FormatInt(messages[1].ID, 10)} {
		if got := cmd.Get("data[COMMAND][" + bot.commandID + "][" + field + "]"); got != want {
			t.Errorf("ONIMCOMMANDADD data[COMMAND][%s][%s] = %q, want %q", bot.commandID, field, got, want)
		}
	}
	if n := len(srv.Bitrix24().DialogMessages(t, bot.ID(), 1)); n != 2 {
		t.Errorf("after the press the dialog has %d messages, want 2: a keyboard press posts none", n)
	}

	// Edit and delete the user's message from the dialog view.
	mine := `#b24-dialog button[data-edit="` + strconv.FormatInt(messages[0].ID, 10) + `"]`
	eval[any](t, ctx, `document.querySelector(`+js(mine)+`).click()`)
	do(t, ctx, "editing the message", chromedp.SetValue(chromedp.CSS(`#act-b24-message [name="text"]`), "Hello again"),
		chromedp.Click(chromedp.CSS(`#act-b24-message button[type="submit"]`)))
	until(t, ctx, "the ONIMBOTMESSAGEUPDATE delivery, delivered", deliveryRow("ONIMBOTMESSAGEUPDATE")+` !== undefined`)
	until(t, ctx, "the edit in the dialog view", `document.querySelector("#b24-dialog").textContent.includes("Hello again")`)
	eval[any](t, ctx, `document.querySelector('#b24-dialog button[data-delete="`+strconv.FormatInt(messages[0].ID, 10)+`"]').click()`)
	until(t, ctx, "the ONIMBOTMESSAGEDELETE delivery, delivered", deliveryRow("ONIMBOTMESSAGEDELETE")+` !== undefined`)
	until(t, ctx, "the dialog view without it", `document.querySelector("#b24-dialog-head").textContent.includes("1 message.")`)

	// The delivery's detail shows what the handler got.
	do(t, ctx, "opening the journal", chromedp.Click(chromedp.CSS("#tab-journal")))
	eval[any](t, ctx, deliveryRow("ONIMBOTMESSAGEADD")+`.click()`)
	until(t, ctx, "the delivery's detail", `document.querySelector("#detail-body") !== null`)
	if body := text(t, ctx, "#detail-body"); !strings.Contains(body, "event=ONIMBOTMESSAGEADD") || !strings.Contains(body, "Hello+bot") {
		t.Errorf("the delivery's body shown = %q, want the event's form", body)
	}
	if detail := text(t, ctx, "#detail"); !strings.Contains(detail, "data[PARAMS][MESSAGE]Hello bot") {
		t.Errorf("the delivery's decoded form does not show the message: %.2000s", detail)
	}

	// The state browser shows the bot with its handler, and links it to its
	// command and its private dialog with user 1.
	do(t, ctx, "opening the Bitrix24 state", chromedp.Click(chromedp.CSS("#tab-state")),
		chromedp.SetValue(chromedp.CSS("#state-vendor"), "bitrix24"))
	eval[bool](t, ctx, `document.querySelector("#state-vendor").dispatchEvent(new Event("change"))`)
	botRow := `document.querySelector('#state-view tr[data-kind="bot"][data-id=` + js(bot.ID()) + `]')`
	until(t, ctx, "the bot's row", botRow+` !== null`)
	if row := eval[string](t, ctx, botRow+`.textContent`); !strings.Contains(row, bot.handler) || !strings.Contains(row, testBotClient) {
		t.Errorf("the bot's row = %q, want its handler URL and CLIENT_ID", row)
	}
	eval[any](t, ctx, botRow+`.click()`)
	until(t, ctx, "the bot's links", `document.querySelector("#state-detail").textContent.includes("Private dialogs (1)")`)
	detail := text(t, ctx, "#state-detail")
	for _, want := range []string{"Commands (1)", "command " + bot.commandID + " — /yes", "Event handlers", "ONIMBOTMESSAGEADD"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the bot's detail does not show %q: %.2000s", want, detail)
		}
	}
	eval[any](t, ctx, `[...document.querySelectorAll("#state-detail button.linklike")].find(b => b.textContent.startsWith("dialog ")).click()`)
	until(t, ctx, "the dialog's messages", `document.querySelector("#state-detail").textContent.includes("Messages (1)") && document.querySelector("#state-detail").textContent.includes("Shall we go on?")`)
}

// TestImBoxVisitorWritingFromThePageReachesTheWebhook: with an account
// webhook set through the control plane, a visitor's message written from
// the page is an act in the journal followed by its visitorMessage
// delivery.
func TestImBoxVisitorWritingFromThePageReachesTheWebhook(t *testing.T) {
	t.Parallel()
	srv, ctx := start(t), tab(t)
	hook := make(chan string, 4)
	if status, body := control(t, srv, http.MethodPut, "/_emulator/imbox/1/webhook", `{"webhookUrl": `+js(testHandler(t, hook))+`}`); status != http.StatusOK {
		t.Fatalf("PUT webhook: %d %s", status, body)
	}
	open(t, ctx, srv)
	do(t, ctx, "writing as an ImBox visitor", chromedp.Click(chromedp.CSS("#tab-act")),
		chromedp.SetValue(chromedp.CSS(`#act-imbox [name="conversation"]`), "V1"),
		chromedp.SetValue(chromedp.CSS(`#act-imbox [name="text"]`), "Hello from the page"),
		chromedp.Click(chromedp.CSS(`#act-imbox button[type="submit"]`)))
	until(t, ctx, "the act's answer", `document.querySelector("#act-result").textContent.includes("201")`)
	until(t, ctx, "the act in the journal", `document.querySelector('#journal-body tr[data-kind="act"][data-op="postMessage"]') !== null`)
	until(t, ctx, "the visitorMessage delivery, delivered", deliveryRow("visitorMessage")+` !== undefined`)
	if got := <-hook; !strings.Contains(got, "Hello from the page") {
		t.Errorf("the webhook got %q, want the visitor's message", got)
	}
	do(t, ctx, "opening the journal", chromedp.Click(chromedp.CSS("#tab-journal")))
	eval[any](t, ctx, deliveryRow("visitorMessage")+`.click()`)
	until(t, ctx, "the delivery's detail", `document.querySelector("#detail-body") !== null`)
	if body := text(t, ctx, "#detail-body"); !strings.Contains(body, "Hello from the page") {
		t.Errorf("the delivery's body shown = %q, want the visitor's message", body)
	}
}
