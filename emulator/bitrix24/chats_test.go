package bitrix24_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// tok is a path on the OAuth form with the default access token; extra is
// more query text ("CHAT_ID=13&...").
func tok(method, extra string) string {
	p := "/rest/" + method + "?auth=test-access-token"
	if extra != "" {
		p += "&" + extra
	}
	return p
}

// Seeds used by the error tables.
const (
	seedOtherBot = `{"name":"default","bots":[{"id":40,"code":"other","client_id":"other-app"}]}`
	seedGeneral  = `{"name":"default","chats":[{"id":50,"title":"General","general":true,"owner_id":1,"users":[1,2,39]}]}`
	seedLocked   = `{"name":"default","chats":[{"id":51,"title":"Locked","owner_id":39,"users":[39,1,2],
		"restrictions":{"rename":false,"avatar":false,"extend":false,"leave":false}}]}`
	seedOwnerStays = `{"name":"default","chats":[{"id":52,"title":"Owner stays","owner_id":39,"users":[39,1],
		"restrictions":{"leave_owner":false}}]}`
	seedNotMember = `{"name":"default","chats":[{"id":53,"title":"Without the bot","owner_id":1,"users":[1,2]}]}`
	seedNotOwner  = `{"name":"default","chats":[{"id":54,"title":"Bot is a member","owner_id":1,"users":[1,39,2]}]}`
)

type errCase struct {
	name   string
	seed   string
	r      req
	status int
	code   string
	text   string
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			if tc.seed != "" {
				seedPortal(t, srv, tc.seed)
			}
			status := tc.status
			if status == 0 {
				status = http.StatusBadRequest
			}
			expect(t, srv, tc.r, status, fail(tc.code, tc.text))
		})
	}
}

// Common texts.
const (
	chatIDEmpty = "Chat ID can't be empty"
	noClientID  = "Access denied! Client ID not specified"
	botNotFound = "Bot not found"
	otherApp    = "Bot was installed by another rest application"
)

func TestChatAddErrors(t *testing.T) {
	t.Parallel()
	runErrCases(t, []errCase{
		{name: "USERS missing", r: req{path: tok("imbot.chat.add", "TITLE=x")}, code: "USERS_EMPTY", text: "No chat participants"},
		{name: "USERS empty JSON array", r: req{path: "/rest/imbot.chat.add", json: `{"auth":"test-access-token","USERS":[]}`},
			code: "USERS_EMPTY", text: "No chat participants"},
		{name: "USERS only zeros (array_filter)", r: req{path: tok("imbot.chat.add", "USERS[]=0&USERS[]=")}, code: "USERS_EMPTY", text: "No chat participants"},
		{name: "USERS checked before the bot", r: req{path: hook("imbot.chat.add")}, code: "USERS_EMPTY", text: "No chat participants"},
		{name: "USERS element is an array", r: req{path: tok("imbot.chat.add", "USERS[0][id]=1")},
			code: "INVALID_FORMAT", text: "Parameter USERS has wrong type"},
		{name: "USERS element is an object in JSON", r: req{path: "/rest/imbot.chat.add", json: `{"auth":"test-access-token","USERS":[{"id":1}]}`},
			code: "INVALID_FORMAT", text: "Parameter USERS has wrong type"},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.add?USERS[]=1")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "webhook with CLIENT_ID 0 (PHP empty)", r: req{path: hook("imbot.chat.add?USERS[]=1&CLIENT_ID=0")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "unknown BOT_ID", r: req{path: tok("imbot.chat.add", "USERS[]=1&BOT_ID=999")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "BOT_ID not an integer key", r: req{path: tok("imbot.chat.add", "USERS[]=1&BOT_ID=39abc")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "webhook CLIENT_ID of an application without bots", r: req{path: hook("imbot.chat.add?USERS[]=1&CLIENT_ID=nobody")},
			code: "BOT_ID_ERROR", text: botNotFound},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.add", "USERS[]=1&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "user not on the portal", r: req{path: tok("imbot.chat.add", "USERS[]=1&USERS[]=999")},
			code: "WRONG_REQUEST", text: "Chat can't be created"},
		{name: "owner not on the portal", r: req{path: tok("imbot.chat.add", "USERS[]=1&OWNER_ID=999")},
			code: "WRONG_REQUEST", text: "Chat can't be created"},
		{name: "strict portal: no USERS is WRONG_REQUEST", seed: `{"name":"default","strict":true}`,
			r: req{path: tok("imbot.chat.add", "TITLE=x")}, code: "WRONG_REQUEST", text: "Chat can't be created"},
	})
}

func TestChatUserListErrors(t *testing.T) {
	t.Parallel()
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: tok("imbot.chat.user.list", "")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "CHAT_ID not a number", r: req{path: tok("imbot.chat.user.list", "CHAT_ID=abc")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "CHAT_ID_EMPTY before the bot", r: req{path: hook("imbot.chat.user.list")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "DIALOG_ID not chatNNN", r: req{path: tok("imbot.chat.user.list", "DIALOG_ID=13")}, code: "DIALOG_ID_EMPTY", text: "Dialog ID can't be empty"},
		{name: "general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.user.list", "CHAT_ID=50")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "general chat before an unknown bot", seed: seedGeneral, r: req{path: tok("imbot.chat.user.list", "CHAT_ID=50&BOT_ID=1")},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.user.list?CHAT_ID=13")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "unknown BOT_ID", r: req{path: tok("imbot.chat.user.list", "CHAT_ID=13&BOT_ID=1")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.user.list", "CHAT_ID=13&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
	})
}

func TestChatUserAddErrors(t *testing.T) {
	t.Parallel()
	const refused = "You don't have access or user already member in chat"
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: tok("imbot.chat.user.add", "USERS[]=3")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.user.add", "CHAT_ID=50&USERS[]=3")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "chat closed to new members", seed: seedLocked, r: req{path: tok("imbot.chat.user.add", "CHAT_ID=51&USERS[]=3")},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "It is forbidden to add users to this chat"},
		{name: "lock checked before the bot", seed: seedLocked, r: req{path: hook("imbot.chat.user.add?CHAT_ID=51&USERS[]=3")},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "It is forbidden to add users to this chat"},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.user.add?CHAT_ID=13&USERS[]=3")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "unknown BOT_ID", r: req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=3&BOT_ID=2")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=3&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "user already member", r: req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=1&USERS[]=2")}, code: "WRONG_REQUEST", text: refused},
		{name: "only unknown users", r: req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=999")}, code: "WRONG_REQUEST", text: refused},
		{name: "no USERS", r: req{path: tok("imbot.chat.user.add", "CHAT_ID=13")}, code: "WRONG_REQUEST", text: refused},
		{name: "unknown chat", r: req{path: tok("imbot.chat.user.add", "CHAT_ID=999&USERS[]=3")}, code: "WRONG_REQUEST", text: refused},
		{name: "bot not in the chat", seed: seedNotMember, r: req{path: tok("imbot.chat.user.add", "CHAT_ID=53&USERS[]=3")}, code: "WRONG_REQUEST", text: refused},
	})
}

func TestChatUserDeleteErrors(t *testing.T) {
	t.Parallel()
	const refused = "You don't have access or user isn't member in chat"
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: tok("imbot.chat.user.delete", "USER_ID=4")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "USER_ID missing", r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=13")}, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "USER_ID checked after the bot", r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=13&BOT_ID=5")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=50&USER_ID=2")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "chat forbids removing members", seed: seedLocked, r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=51&USER_ID=2")},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "It is forbidden to delete users of this chat"},
		{name: "owner may not leave this chat", seed: seedOwnerStays, r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=52&USER_ID=39")},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "LEAVE_OWNER_FORBIDDEN"},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.user.delete?CHAT_ID=13&USER_ID=4")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=13&USER_ID=4&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "user not a member", r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=13&USER_ID=3")}, code: "WRONG_REQUEST", text: refused},
		{name: "unknown chat", r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=999&USER_ID=3")}, code: "WRONG_REQUEST", text: refused},
		{name: "bot not the owner removes another", seed: seedNotOwner, r: req{path: tok("imbot.chat.user.delete", "CHAT_ID=54&USER_ID=2")},
			code: "WRONG_REQUEST", text: refused},
	})
}

func TestChatLeaveErrors(t *testing.T) {
	t.Parallel()
	const refused = "You don't have access or user isn't member in chat"
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: tok("imbot.chat.leave", "")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.leave", "CHAT_ID=50")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "unknown BOT_ID", r: req{path: tok("imbot.chat.leave", "CHAT_ID=13&BOT_ID=777")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.leave?CHAT_ID=13")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.leave", "CHAT_ID=13&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "bot not in the chat", seed: seedNotMember, r: req{path: tok("imbot.chat.leave", "CHAT_ID=53")}, code: "WRONG_REQUEST", text: refused},
		{name: "owner may not leave this chat", seed: seedOwnerStays, r: req{path: tok("imbot.chat.leave", "CHAT_ID=52")},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "LEAVE_OWNER_FORBIDDEN"},
	})
}

func TestChatUpdateTitleErrors(t *testing.T) {
	t.Parallel()
	const refused = "This title currently set or chat isn't exists"
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: tok("imbot.chat.updateTitle", "TITLE=x")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "TITLE missing", r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13")}, code: "TITLE_EMPTY", text: "Title can't be empty"},
		{name: "TITLE blank", r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE=%20%20")}, code: "TITLE_EMPTY", text: "Title can't be empty"},
		{name: "TITLE 0 (PHP empty)", r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE=0")}, code: "TITLE_EMPTY", text: "Title can't be empty"},
		{name: "TITLE checked before the bot", r: req{path: hook("imbot.chat.updateTitle?CHAT_ID=13")}, code: "TITLE_EMPTY", text: "Title can't be empty"},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.updateTitle?CHAT_ID=13&TITLE=x")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "bot checked before the general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=50&TITLE=x&BOT_ID=3")},
			code: "BOT_ID_ERROR", text: botNotFound},
		{name: "general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=50&TITLE=x")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "chat cannot be renamed", seed: seedLocked, r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=51&TITLE=x")},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "This chat cannot be renamed"},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE=x&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "title already set", r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE=%20Bot%20chat%20")}, code: "WRONG_REQUEST", text: refused},
		{name: "unknown chat", r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=999&TITLE=x")}, code: "WRONG_REQUEST", text: refused},
		{name: "bot not in the chat", seed: seedNotMember, r: req{path: tok("imbot.chat.updateTitle", "CHAT_ID=53&TITLE=x")}, code: "WRONG_REQUEST", text: refused},
	})
}

func TestChatUpdateColorErrors(t *testing.T) {
	t.Parallel()
	const refused = "This color currently set or chat isn't exists"
	const wrong = "This color currently unavailable"
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: tok("imbot.chat.updateColor", "COLOR=MINT")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=50&COLOR=MINT")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "COLOR missing", r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=13")}, code: "WRONG_COLOR", text: wrong},
		{name: "COLOR not in the palette", r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=13&COLOR=BLACK")}, code: "WRONG_COLOR", text: wrong},
		{name: "COLOR ORANGE is unsafe", r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=13&COLOR=ORANGE")}, code: "WRONG_COLOR", text: wrong},
		{name: "COLOR is case-sensitive", r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=13&COLOR=mint")}, code: "WRONG_COLOR", text: wrong},
		{name: "COLOR checked before the bot", r: req{path: hook("imbot.chat.updateColor?CHAT_ID=13&COLOR=BLACK")}, code: "WRONG_COLOR", text: wrong},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.updateColor?CHAT_ID=13&COLOR=MINT")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=13&COLOR=MINT&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "unknown BOT_ID", r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=13&COLOR=MINT&BOT_ID=1")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "colour already set", r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=13&COLOR=PINK")}, code: "WRONG_REQUEST", text: refused},
		{name: "unknown chat", r: req{path: tok("imbot.chat.updateColor", "CHAT_ID=999&COLOR=MINT")}, code: "WRONG_REQUEST", text: refused},
	})
}

// pngOf encodes a w x h PNG in base64.
func pngOf(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestChatUpdateAvatarErrors(t *testing.T) {
	t.Parallel()
	wrongType := "Avatar incorrect type"
	text := base64.StdEncoding.EncodeToString([]byte("hello, not an image"))
	big := pngOf(t, 5001, 1)
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&AVATAR=x"}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.updateAvatar"), form: "CHAT_ID=13&AVATAR=x"}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "unknown BOT_ID", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&BOT_ID=8&AVATAR=x"},
			code: "BOT_ID_ERROR", text: botNotFound},
		{name: "general chat", seed: seedGeneral, r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=50&AVATAR=x"},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "avatar locked", seed: seedLocked, r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=51&AVATAR=x"},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: "The avatar of this chat cannot be changed"},
		{name: "AVATAR missing", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13"},
			code: "AVATAR_ERROR", text: wrongType},
		{name: "AVATAR not base64", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&AVATAR=%25%25%25"},
			code: "AVATAR_ERROR", text: wrongType},
		{name: "AVATAR base64 of text", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&AVATAR=" + url.QueryEscape(text)},
			code: "AVATAR_ERROR", text: wrongType},
		{name: "AVATAR a data URI", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&AVATAR=" + url.QueryEscape("data:image/png;base64,"+pngOf(t, 1, 1))},
			code: "AVATAR_ERROR", text: wrongType},
		{name: "AVATAR wider than 5000", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&AVATAR=" + url.QueryEscape(big)},
			code: "AVATAR_ERROR", text: "Avatar incorrect size (max 5000x5000)"},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&BOT_ID=40&AVATAR=x"},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "unknown chat", r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=999&AVATAR=" + url.QueryEscape(pngOf(t, 2, 2))},
			code: "WRONG_REQUEST", text: "Chat isn't exists"},
		{name: "bot not in the chat", seed: seedNotMember, r: req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=53&AVATAR=" + url.QueryEscape(pngOf(t, 2, 2))},
			code: "WRONG_REQUEST", text: "Chat isn't exists"},
	})
}

func TestChatSetOwnerErrors(t *testing.T) {
	t.Parallel()
	const refused = "Change owner can only owner and user must be member in chat"
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: tok("imbot.chat.setOwner", "USER_ID=2")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "USER_ID missing", r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=13")}, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "USER_ID checked before the bot", r: req{path: hook("imbot.chat.setOwner?CHAT_ID=13")}, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imbot.chat.setOwner?CHAT_ID=13&USER_ID=2")}, status: http.StatusForbidden,
			code: "ACCESS_DENIED", text: noClientID},
		{name: "general chat", seed: seedGeneral, r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=50&USER_ID=2")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: "Action unavailable"},
		{name: "bot of another application", seed: seedOtherBot, r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=13&USER_ID=2&BOT_ID=40")},
			code: "APP_ID_ERROR", text: otherApp},
		{name: "unknown BOT_ID", r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=13&USER_ID=2&BOT_ID=2")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "new owner not a member", r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=13&USER_ID=3")}, code: "WRONG_REQUEST", text: refused},
		{name: "bot is not the owner", seed: seedNotOwner, r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=54&USER_ID=2")}, code: "WRONG_REQUEST", text: refused},
		{name: "already the owner", r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=13&USER_ID=39")}, code: "WRONG_REQUEST", text: refused},
		{name: "unknown chat", r: req{path: tok("imbot.chat.setOwner", "CHAT_ID=999&USER_ID=2")}, code: "WRONG_REQUEST", text: refused},
	})
}

func TestDialogGetErrors(t *testing.T) {
	t.Parallel()
	const noAccess = "You do not have access to the specified dialog"
	runErrCases(t, []errCase{
		{name: "DIALOG_ID missing", r: req{path: hook("imbot.dialog.get")}, code: "DIALOG_ID_EMPTY", text: "Dialog ID can't be empty"},
		{name: "DIALOG_ID chat without number", r: req{path: hook("imbot.dialog.get?DIALOG_ID=chat")}, code: "DIALOG_ID_EMPTY", text: "Dialog ID can't be empty"},
		{name: "DIALOG_ID word", r: req{path: hook("imbot.dialog.get?DIALOG_ID=chat13x")}, code: "DIALOG_ID_EMPTY", text: "Dialog ID can't be empty"},
		{name: "chat the user is not in", seed: `{"name":"default","webhooks":[{"user_id":3,"code":"hook3","scopes":["imbot"]}]}`,
			r:      req{path: "/rest/3/hook3/imbot.dialog.get?DIALOG_ID=chat13"},
			status: http.StatusForbidden, code: "ACCESS_ERROR", text: noAccess},
		{name: "unknown chat", r: req{path: hook("imbot.dialog.get?DIALOG_ID=chat999")}, status: http.StatusForbidden, code: "ACCESS_ERROR", text: noAccess},
		{name: "private dialog with a user", r: req{path: hook("imbot.dialog.get?DIALOG_ID=2")}, code: "ACCESS_ERROR", text: "You don't have access to this chat"},
		{name: "private dialog with an unknown user", r: req{path: hook("imbot.dialog.get?DIALOG_ID=999")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: noAccess},
		{name: "imbot.chat.get with DIALOG_ID the user is not in", r: req{path: hook("imbot.chat.get?DIALOG_ID=chat12")}, status: http.StatusForbidden,
			code: "ACCESS_ERROR", text: noAccess},
	})
}

func TestChatGetByEntity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, query, result string
	}{
		{"doc example", "ENTITY_TYPE=OPEN&ENTITY_ID=13", `{"ID":13}`},
		{"nothing bound", "ENTITY_TYPE=CRM&ENTITY_ID=13", `null`},
		{"ENTITY_ID missing", "ENTITY_TYPE=OPEN", `null`},
		{"ENTITY_TYPE missing", "ENTITY_ID=13", `null`},
		{"ENTITY_ID 0 is empty", "ENTITY_TYPE=OPEN&ENTITY_ID=0", `null`},
		{"lower-case names", "entity_type=OPEN&entity_id=13", `{"ID":13}`},
		{"webhook without CLIENT_ID: no bot check", "ENTITY_TYPE=LINES&ENTITY_ID=" + url.QueryEscape("livechat|1|12|100"), `{"ID":12}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			expect(t, srv, req{path: hook("imbot.chat.get?" + tc.query)}, http.StatusOK, ok(tc.result))
		})
	}
}

// TestChatDocExamples runs the vendor page's examples in order against
// chat 13 and follows each state change through the other methods.
func TestChatDocExamples(t *testing.T) {
	t.Parallel()
	srv := start(t)
	list := func(want string) {
		t.Helper()
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13&BOT_ID=39")}, http.StatusOK, ok(want))
	}
	list(`[39,1,2,4]`)
	expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=3&USERS[]=4&BOT_ID=39")}, http.StatusOK, ok(`true`))
	list(`[39,1,2,4,3]`)
	expect(t, srv, req{path: tok("imbot.chat.user.delete", "CHAT_ID=13&USER_ID=4&BOT_ID=39")}, http.StatusOK, ok(`true`))
	list(`[39,1,2,3]`)
	expect(t, srv, req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE=New+name+for+chat&BOT_ID=39")}, http.StatusOK, ok(`true`))
	expect(t, srv, req{path: tok("imbot.chat.updateColor", "CHAT_ID=13&COLOR=MINT&BOT_ID=39")}, http.StatusOK, ok(`true`))
	expect(t, srv, req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&BOT_ID=39&AVATAR=" + url.QueryEscape(pngOf(t, 64, 64))},
		http.StatusOK, ok(`true`))
	expect(t, srv, req{path: tok("imbot.chat.setOwner", "CHAT_ID=13&USER_ID=2&BOT_ID=39")}, http.StatusOK, ok(`true`))
	d := dialog(t, srv, "chat13")
	if d.Name != "New name for chat" || d.Color != "#4ba984" || d.Owner != 2 || d.UserCounter != 4 || d.Role != "member" ||
		!strings.HasPrefix(d.Avatar, srv.URL()+"/_emulator/bitrix24/portals/default/chats/13/avatar") {
		t.Fatalf("dialog after the examples: %+v", d)
	}
	// the bot is no longer the owner: it may not hand the chat over or remove others
	expect(t, srv, req{path: tok("imbot.chat.setOwner", "CHAT_ID=13&USER_ID=1")}, http.StatusBadRequest,
		fail("WRONG_REQUEST", "Change owner can only owner and user must be member in chat"))
	expect(t, srv, req{path: tok("imbot.chat.user.delete", "CHAT_ID=13&USER_ID=1")}, http.StatusBadRequest,
		fail("WRONG_REQUEST", "You don't have access or user isn't member in chat"))
	expect(t, srv, req{path: tok("imbot.chat.leave", "CHAT_ID=13&BOT_ID=39")}, http.StatusOK, ok(`true`))
	// out of the chat, the bot sees no members and changes nothing
	list(`[]`)
	expect(t, srv, req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE=Again")}, http.StatusBadRequest,
		fail("WRONG_REQUEST", "This title currently set or chat isn't exists"))
	expect(t, srv, req{path: tok("imbot.chat.leave", "CHAT_ID=13")}, http.StatusBadRequest,
		fail("WRONG_REQUEST", "You don't have access or user isn't member in chat"))
}

// dialogResult is what the tests read of imbot.dialog.get.
type dialogResult struct {
	ID           int64           `json:"id"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Owner        int64           `json:"owner"`
	Color        string          `json:"color"`
	Type         string          `json:"type"`
	Avatar       string          `json:"avatar"`
	UserCounter  int             `json:"user_counter"`
	MessageCount int             `json:"message_count"`
	EntityType   string          `json:"entity_type"`
	EntityID     string          `json:"entity_id"`
	MessageType  string          `json:"message_type"`
	Role         string          `json:"role"`
	DialogID     string          `json:"dialog_id"`
	ManagerList  []int64         `json:"manager_list"`
	Restrictions map[string]bool `json:"restrictions"`
}

func dialog(t *testing.T, srv *testkit.Server, dialogID string) dialogResult {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL() + hook("imbot.dialog.get?DIALOG_ID="+dialogID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dialog.get %s: %d %s", dialogID, resp.StatusCode, body.String())
	}
	validate(t, hook("imbot.dialog.get"), http.StatusOK, body.String())
	var env struct {
		Result dialogResult `json:"result"`
	}
	decodeInto(t, body.String(), &env)
	return env.Result
}

// TestChatAddState checks that imbot.chat.add's parameters land in state
// and read back through imbot.dialog.get, imbot.chat.get and user.list, in
// each encoding real clients use.
func TestChatAddState(t *testing.T) {
	t.Parallel()
	avatar := pngOf(t, 10, 10)
	cases := []struct {
		name string
		r    req
	}{
		{"JSON body (b24jssdk)", req{path: hook("imbot.chat.add"), json: `{"CLIENT_ID":"chatemu","TYPE":"OPEN","TITLE":"Support \"VIP\" <b>/x","DESCRIPTION":"Very important chat",` +
			`"COLOR":"PINK","MESSAGE":"Welcome to the chat","USERS":[1,2],"AVATAR":"` + avatar + `","ENTITY_TYPE":"CRM","ENTITY_ID":77,"BOT_ID":39}`}},
		{"GET query (2bad)", req{path: hook("imbot.chat.add?CLIENT_ID=chatemu&TYPE=OPEN&TITLE=" + url.QueryEscape(`Support "VIP" <b>/x`) +
			"&DESCRIPTION=Very+important+chat&COLOR=PINK&MESSAGE=Welcome+to+the+chat&USERS%5B0%5D=1&USERS%5B1%5D=2&AVATAR=" + url.QueryEscape(avatar) +
			"&ENTITY_TYPE=CRM&ENTITY_ID=77&BOT_ID=39")}},
		{"form body (restCommand)", req{path: "/rest/imbot.chat.add.json", form: "auth=test-access-token&TYPE=OPEN&TITLE=" + url.QueryEscape(`Support "VIP" <b>/x`) +
			"&DESCRIPTION=Very+important+chat&COLOR=PINK&MESSAGE=Welcome+to+the+chat&USERS[]=1&USERS[]=2&AVATAR=" + url.QueryEscape(avatar) +
			"&ENTITY_TYPE=CRM&ENTITY_ID=77"}},
		{"lower-case names", req{path: "/rest/imbot.chat.add", form: "auth=test-access-token&type=OPEN&title=" + url.QueryEscape(`Support "VIP" <b>/x`) +
			"&description=Very+important+chat&color=PINK&message=Welcome+to+the+chat&users[]=1&users[]=2&avatar=" + url.QueryEscape(avatar) +
			"&entity_type=CRM&entity_id=77"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			expect(t, srv, tc.r, http.StatusOK, ok(`14`))
			d := dialog(t, srv, "chat14")
			if d.Name != `Support "VIP" <b>/x` || d.Description != "Very important chat" || d.Color != "#e98fa6" || d.Type != "open" ||
				d.MessageType != "O" || d.Owner != 39 || d.UserCounter != 3 || d.MessageCount != 1 || d.EntityType != "CRM" ||
				d.EntityID != "77" || d.DialogID != "chat14" || d.Avatar == "" || d.Role != "member" {
				t.Fatalf("dialog: %+v", d)
			}
			expect(t, srv, req{path: hook("imbot.chat.get?ENTITY_TYPE=CRM&ENTITY_ID=77")}, http.StatusOK, ok(`{"ID":14}`))
			expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=14")}, http.StatusOK, ok(`[39,1,2]`))
		})
	}
}

// TestChatAddDefaults checks what a chat gets when imbot.chat.add leaves
// things out: a closed chat owned by the bot, a palette colour and a title
// made of it; OWNER_ID makes another user the owner.
func TestChatAddDefaults(t *testing.T) {
	t.Parallel()
	srv := start(t)
	expect(t, srv, req{path: tok("imbot.chat.add", "USERS[]=1&COLOR=ORANGE&AVATAR=bm90IGFuIGltYWdl")}, http.StatusOK, ok(`14`))
	d := dialog(t, srv, "chat14")
	if d.Type != "chat" || d.MessageType != "C" || d.Owner != 39 || d.Color != "#3e99ce" || d.Name != "Dark blue chat #14" ||
		d.Avatar != "" || d.MessageCount != 0 || d.Role != "member" || d.UserCounter != 2 {
		t.Fatalf("defaults: %+v", d)
	}
	expect(t, srv, req{path: tok("imbot.chat.add", "USERS[]=3&OWNER_ID=1&TITLE=Owned")}, http.StatusOK, ok(`15`))
	if d := dialog(t, srv, "chat15"); d.Owner != 1 || d.Role != "owner" || d.UserCounter != 3 {
		t.Fatalf("owner: %+v", d)
	}
	expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=15")}, http.StatusOK, ok(`[39,3,1]`))
}

// TestChatQuirks covers the server behaviours a client can trip on.
func TestChatQuirks(t *testing.T) {
	t.Parallel()
	t.Run("DIALOG_ID replaces CHAT_ID", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=999&DIALOG_ID=chat13")}, http.StatusOK, ok(`[39,1,2,4]`))
		expect(t, srv, req{path: tok("imbot.chat.user.list", "DIALOG_ID=CHAT13")}, http.StatusOK, ok(`[39,1,2,4]`))
	})
	t.Run("CHAT_ID goes through intval", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13abc")}, http.StatusOK, ok(`[39,1,2,4]`))
		expect(t, srv, req{path: "/rest/imbot.chat.user.list", json: `{"auth":"test-access-token","CHAT_ID":13.9}`}, http.StatusOK, ok(`[39,1,2,4]`))
	})
	t.Run("parameter names are case-insensitive", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("imbot.chat.user.list?chat_id=13&client_id=chatemu&bot_id=39")}, http.StatusOK, ok(`[39,1,2,4]`))
	})
	t.Run("BOT_ID as a JSON number and a string", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: "/rest/imbot.chat.user.list", json: `{"auth":"test-access-token","CHAT_ID":13,"BOT_ID":39}`}, http.StatusOK, ok(`[39,1,2,4]`))
		expect(t, srv, req{path: "/rest/imbot.chat.user.list", json: `{"auth":"test-access-token","CHAT_ID":13,"BOT_ID":"39"}`}, http.StatusOK, ok(`[39,1,2,4]`))
	})
	t.Run("BOT_ID null means the default bot", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: "/rest/imbot.chat.user.list", json: `{"auth":"test-access-token","CHAT_ID":13,"BOT_ID":null}`}, http.StatusOK, ok(`[39,1,2,4]`))
	})
	t.Run("BOT_ID empty string (2bad's null) is not found", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13&BOT_ID=")}, http.StatusBadRequest, fail("BOT_ID_ERROR", botNotFound))
	})
	t.Run("webhook CLIENT_ID reaches the application's bot", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: hook("imbot.chat.user.list"), form: "CHAT_ID=13&CLIENT_ID=chatemu"}, http.StatusOK, ok(`[39,1,2,4]`))
	})
	t.Run("BOT_ID defaults to the application's first bot", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","bots":[{"id":38,"code":"first","client_id":"chatemu"}],
			"chats":[{"id":60,"owner_id":38,"users":[38,1]}]}`)
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=60")}, http.StatusOK, ok(`[38,1]`))
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13")}, http.StatusOK, ok(`[]`))
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13&BOT_ID=39")}, http.StatusOK, ok(`[39,1,2,4]`))
	})
	t.Run("USERS as one id and as JSON text", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS=3")}, http.StatusOK, ok(`true`))
		expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS="+url.QueryEscape("[12]"))}, http.StatusOK, ok(`true`))
		expect(t, srv, req{path: tok("imbot.chat.add", "USERS="+url.QueryEscape(`[1,"2"]`))}, http.StatusOK, ok(`14`))
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13")}, http.StatusOK, ok(`[39,1,2,4,3,12]`))
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=14")}, http.StatusOK, ok(`[39,1,2]`))
	})
	t.Run("user.add skips members and adds the rest", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=1&USERS[]=999&USERS[]=3&HIDE_HISTORY=N")}, http.StatusOK, ok(`true`))
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13")}, http.StatusOK, ok(`[39,1,2,4,3]`))
	})
	t.Run("leave with USER_ID removes that user", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.leave", "CHAT_ID=13&USER_ID=2")}, http.StatusOK, ok(`true`))
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13")}, http.StatusOK, ok(`[39,1,4]`))
	})
	t.Run("owner leaving hands ownership to the longest-standing member", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.leave", "CHAT_ID=13")}, http.StatusOK, ok(`true`))
		if d := dialog(t, srv, "chat13"); d.Owner != 1 || d.Role != "owner" || d.UserCounter != 3 {
			t.Fatalf("after the owner left: %+v", d)
		}
	})
	t.Run("bot removes itself by USER_ID", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, seedNotOwner)
		expect(t, srv, req{path: tok("imbot.chat.user.delete", "CHAT_ID=54&USER_ID=39")}, http.StatusOK, ok(`true`))
		if d := dialog(t, srv, "chat54"); d.UserCounter != 2 || d.Owner != 1 {
			t.Fatalf("after the bot left: %+v", d)
		}
	})
	t.Run("avatar formats and the [name, data] form", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		img := image.NewPaletted(image.Rect(0, 0, 3, 3), []color.Color{color.Black, color.White})
		var g, j bytes.Buffer
		if err := gif.Encode(&g, img, nil); err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(&j, img, nil); err != nil {
			t.Fatal(err)
		}
		for _, data := range []string{base64.StdEncoding.EncodeToString(g.Bytes()), base64.StdEncoding.EncodeToString(j.Bytes())} {
			expect(t, srv, req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&AVATAR=" + url.QueryEscape(data)}, http.StatusOK, ok(`true`))
		}
		expect(t, srv, req{path: "/rest/imbot.chat.updateAvatar", json: `{"auth":"test-access-token","CHAT_ID":13,"AVATAR":["a.png","` + pngOf(t, 5000, 1) + `"]}`},
			http.StatusOK, ok(`true`))
	})
	t.Run("special characters are escaped as the server's PHP JSON does", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE="+url.QueryEscape(`a "b" <c> & 'd' /e Жж`))}, http.StatusOK, ok(`true`))
		_, body := send(t, srv, req{path: hook("imbot.dialog.get?DIALOG_ID=chat13")})
		if !strings.Contains(body, `"name":"a \u0022b\u0022 \u003Cc\u003E \u0026 \u0027d\u0027 \/e Жж"`) {
			t.Fatalf("escaping: %s", body)
		}
	})
}

// TestDialogGetAccess checks which chats a user may read.
func TestDialogGetAccess(t *testing.T) {
	t.Parallel()
	srv := start(t)
	seedPortal(t, srv, `{"name":"default","webhooks":[{"user_id":3,"code":"hook3","scopes":["imbot"]}],
		"chats":[{"id":61,"type":"OPEN","title":"Open to all","owner_id":1,"users":[1]}]}`)
	st, body := send(t, srv, req{path: "/rest/3/hook3/imbot.dialog.get?DIALOG_ID=chat61"})
	if st != http.StatusOK || !strings.Contains(body, `"role":"guest"`) || !strings.Contains(body, `"type":"open"`) {
		t.Fatalf("open chat: %d %s", st, body)
	}
	expect(t, srv, req{path: "/rest/3/hook3/imbot.dialog.get?DIALOG_ID=chat13"}, http.StatusForbidden,
		fail("ACCESS_ERROR", "You do not have access to the specified dialog"))
	expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=3")}, http.StatusOK, ok(`true`))
	if st, body := send(t, srv, req{path: "/rest/3/hook3/imbot.dialog.get?DIALOG_ID=chat13"}); st != http.StatusOK {
		t.Fatalf("after joining: %d %s", st, body)
	}
	// imbot.chat.get with DIALOG_ID answers the same object
	_, viaGet := send(t, srv, req{path: "/rest/3/hook3/imbot.chat.get?DIALOG_ID=chat13"})
	_, viaDialog := send(t, srv, req{path: "/rest/3/hook3/imbot.dialog.get?DIALOG_ID=chat13"})
	if viaGet != viaDialog {
		t.Fatalf("chat.get %s\ndialog.get %s", viaGet, viaDialog)
	}
	validate(t, "/rest/imbot.chat.get", http.StatusOK, viaGet)
}

// TestChatsIsolatedByPortal checks that chats of one portal are not
// reachable from another, and that id sequences are per portal.
func TestChatsIsolatedByPortal(t *testing.T) {
	t.Parallel()
	srv := start(t)
	srv.Seed(t, []byte(`{"bitrix24":{"portals":[{"name":"second","domain":"second.example",
		"webhooks":[{"user_id":1,"code":"two","scopes":["imbot"]}],
		"users":[{"id":1,"name":"Second admin"}],
		"bots":[{"id":7,"code":"b","client_id":"chatemu"}]}]}}`))
	expect(t, srv, req{path: "/rest/1/two/imbot.chat.add?CLIENT_ID=chatemu&USERS[]=1"}, http.StatusOK, ok(`1`))
	expect(t, srv, req{path: "/rest/1/two/imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=1"}, http.StatusOK, ok(`[7,1]`))
	expect(t, srv, req{path: "/rest/1/two/imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=13"}, http.StatusOK, ok(`[]`))
	expect(t, srv, req{path: hook("imbot.dialog.get?DIALOG_ID=chat1")}, http.StatusForbidden,
		fail("ACCESS_ERROR", "You do not have access to the specified dialog"))
	expect(t, srv, req{path: tok("imbot.chat.add", "USERS[]=1")}, http.StatusOK, ok(`14`))
}

// imbot.chat.user.list's answer is kept between requests per chat and bot:
// each bot sees its own answer, and every change shows at once.
func TestChatUserListPerBotAndFresh(t *testing.T) {
	t.Parallel()
	srv := start(t)
	seedPortal(t, srv, `{"name":"default","bots":[{"id":41,"code":"second","client_id":"chatemu"}],`+
		`"chats":[{"id":55,"title":"Only the second bot","owner_id":1,"users":[1,41]}]}`)
	list := func(bot, want string) {
		t.Helper()
		expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=55&BOT_ID="+bot)}, http.StatusOK, ok(want))
	}
	list("39", `[]`)
	list("41", `[1,41]`)
	list("39", `[]`)
	expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=55&USERS[]=2&BOT_ID=41")}, http.StatusOK, ok(`true`))
	list("41", `[1,41,2]`)
	expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=55&USERS[]=39&BOT_ID=41")}, http.StatusOK, ok(`true`))
	list("39", `[1,41,2,39]`)
	expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=55&BOT_ID=7")}, http.StatusBadRequest, fail("BOT_ID_ERROR", botNotFound))
}

// A state file may spell a field in another case or repeat it: the
// emulator reads such documents as encoding/json does (names in any case,
// the last of repeated keys), on every path.
func TestImportedFieldSpellings(t *testing.T) {
	t.Parallel()
	srv := start(t)
	seedPortal(t, srv, seedGeneral)
	state := string(srv.SaveState(t))
	for old, repl := range map[string]string{
		// chat 50 is the general chat; member 13/1 joined chat 13 first after the bot
		`"general":true`: `"General":true`,
		`"user_id":1,`:   `"User_ID":1,`,
	} {
		if !strings.Contains(state, old) {
			t.Fatalf("the state holds no %s:\n%s", old, state)
		}
		state = strings.Replace(state, old, repl, 1)
	}
	srv.LoadState(t, []byte(state))
	expect(t, srv, req{path: tok("imbot.chat.user.add", "CHAT_ID=50&USERS[]=3")}, http.StatusForbidden,
		fail("ACCESS_ERROR", "Action unavailable"))
	expect(t, srv, req{path: tok("imbot.chat.user.list", "CHAT_ID=13")}, http.StatusOK, ok(`[39,1,2,4]`))
}

// TestChatUpdateTitleStrict: a strict portal answers imbot.chat.updateTitle
// as the newest server code does, which ignores the rename's result: true
// for an unchanged title, a missing chat or a chat without the bot, and
// nothing changes. The default portal keeps the page's WRONG_REQUEST.
func TestChatUpdateTitleStrict(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, seed, path, title string }{
		{name: "title already set", path: tok("imbot.chat.updateTitle", "CHAT_ID=13&TITLE=Bot%20chat"), title: "Bot chat"},
		{name: "unknown chat", path: tok("imbot.chat.updateTitle", "CHAT_ID=999&TITLE=x")},
		{name: "bot not in the chat", seed: seedNotMember, path: tok("imbot.chat.updateTitle", "CHAT_ID=53&TITLE=x"), title: "Without the bot"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			if tc.seed != "" {
				seedPortal(t, srv, tc.seed)
			}
			expect(t, srv, req{path: tc.path}, http.StatusBadRequest,
				fail("WRONG_REQUEST", "This title currently set or chat isn't exists"))
			seedPortal(t, srv, `{"name":"default","strict":true}`)
			expect(t, srv, req{path: tc.path}, http.StatusOK, ok("true"))
			if tc.title != "" {
				id := int64(13)
				if tc.seed != "" {
					id = 53
				}
				if got := srv.Bitrix24().Chat(t, id).Title; got != tc.title {
					t.Fatalf("title changed to %q", got)
				}
			}
		})
	}
}
