package bitrix24

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// portal is one Bitrix24 account (a tenant): its settings and the
// credentials that reach it. Its users, bots, chats, open lines and sessions
// are separate documents under the portal's name, so portals never share
// state or id sequences.
type portal struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	// MemberID is the portal's member_id in OAuth answers.
	MemberID string `json:"member_id"`
	// Strict answers as a portal's server code does where it differs from
	// the documentation pages (docs/fidelity.md, "Strict mode").
	Strict bool `json:"strict"`
	// RequireHTTPS refuses webhook calls over plain HTTP, as the cloud does.
	RequireHTTPS bool `json:"require_https"`
	// NoIMBot plays a portal without the imbot module: the Open Channels
	// network methods answer IMBOT_ERROR.
	NoIMBot   bool      `json:"no_imbot,omitempty"`
	RateLimit rateLimit `json:"rate_limit"`
	// Operating is the cloud's operating-time limit (operating.go).
	Operating *operatingLimit `json:"operating,omitempty"`
	Webhooks  []webhook       `json:"webhooks"`
	Apps      []app           `json:"apps"`
}

// rateLimit is the portal's leaky bucket: each request adds one, the level
// drains DrainPerSecond per second of emulator time, and a request that
// would lift it above Burst is refused with QUERY_LIMIT_EXCEEDED.
type rateLimit struct {
	Enabled        bool    `json:"enabled"`
	Burst          float64 `json:"burst"`
	DrainPerSecond float64 `json:"drain_per_second"`
}

// webhook is an incoming webhook: /rest/{UserID}/{Code}/{method}.
type webhook struct {
	UserID int64    `json:"user_id"`
	Code   string   `json:"code"`
	Scopes []string `json:"scopes"`
}

// app is an OAuth application installed on the portal.
type app struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
	// TokenLifetime is how long refreshed access tokens live (seconds).
	TokenLifetime int64 `json:"token_lifetime"`
	// ApplicationToken is the application_token of the app's events
	// (what ONAPPINSTALL hands a real application); empty: derived from
	// the portal and the client id (appToken).
	ApplicationToken string `json:"application_token,omitempty"`
}

func (p *portal) app(clientID string) *app {
	for i := range p.Apps {
		if p.Apps[i].ClientID == clientID {
			return &p.Apps[i]
		}
	}
	return nil
}

func (p *portal) webhook(userID int64, code string) *webhook {
	for i := range p.Webhooks {
		if p.Webhooks[i].UserID == userID && p.Webhooks[i].Code == code {
			return &p.Webhooks[i]
		}
	}
	return nil
}

// portalRef is one entry of the portal index: the portals in fixture order.
type portalRef struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

// accessToken is an OAuth access token, stored under its own value so that
// a token finds its portal.
type accessToken struct {
	Token        string    `json:"token"`
	RefreshToken string    `json:"refresh_token"`
	Portal       string    `json:"portal"`
	ClientID     string    `json:"client_id"`
	UserID       int64     `json:"user_id"`
	ExpiresAt    time.Time `json:"expires_at"`
	// Event marks a token minted for the auth blocks of bot events: it is
	// handed out again while it lives long enough (events.go).
	Event bool `json:"event,omitempty"`
	// Replaces is the event token this one replaced (deleted when this one
	// is replaced in turn).
	Replaces string `json:"replaces,omitempty"`
}

// refreshToken is an OAuth refresh token; it is spent by one refresh.
type refreshToken struct {
	Token    string `json:"token"`
	Portal   string `json:"portal"`
	ClientID string `json:"client_id"`
	UserID   int64  `json:"user_id"`
}

// user is a portal user: an employee, an extranet user or an open-line
// client (a connector user).
type user struct {
	ID        int64  `json:"id"`
	Portal    string `json:"portal"`
	Name      string `json:"name"`
	LastName  string `json:"last_name"`
	Active    bool   `json:"active"`
	Extranet  bool   `json:"extranet"`
	Connector bool   `json:"connector"`
}

// bot is a chat bot. Bots are portal users too: their id is a user id.
type bot struct {
	ID     int64  `json:"id"`
	Portal string `json:"portal"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	// ClientID is the CLIENT_ID the bot was registered with: the owning
	// OAuth application's client id, or what webhook calls pass as
	// CLIENT_ID.
	ClientID string `json:"client_id"`
	Type     string `json:"type"`
	OpenLine bool   `json:"openline"`
	// NetworkCode is set on the bots imopenlines.network.join creates: the
	// code of the open line they speak for.
	NetworkCode string `json:"network_code,omitempty"`
	// Webhook marks a bot registered through an incoming webhook (the
	// server's APP_ID "custom"+CLIENT_ID): its events carry no OAuth tokens
	// and its handler URLs end in CLIENT_ID.
	Webhook bool `json:"webhook,omitempty"`
	// The PROPERTIES of imbot.register and imbot.update besides NAME.
	LastName     string `json:"last_name,omitempty"`
	Color        string `json:"color,omitempty"`
	Email        string `json:"email,omitempty"`
	Birthday     string `json:"birthday,omitempty"`
	WorkPosition string `json:"work_position,omitempty"`
	WWW          string `json:"www,omitempty"`
	Gender       string `json:"gender,omitempty"`
	// Handlers are the event handlers bound for the bot's application, by
	// event name (ONIMBOTMESSAGEADD, ...); a map shared by row copies:
	// replaced, never changed in place.
	Handlers map[string]handler `json:"handlers,omitempty"`
}

// handler is one bound event handler: the handler row's id (the events'
// event_handler_id) and its URL.
type handler struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
}

// fullName is the bot's name as user lists show it.
func (b *bot) fullName() string { return strings.TrimSpace(b.Name + " " + b.LastName) }

// command is a bot's slash command (imbot.command.register).
type command struct {
	ID       int64  `json:"id"`
	Portal   string `json:"portal"`
	BotID    int64  `json:"bot_id"`
	ClientID string `json:"client_id"`
	Webhook  bool   `json:"webhook,omitempty"`
	Command  string `json:"command"`
	Common   bool   `json:"common,omitempty"`
	Hidden   bool   `json:"hidden,omitempty"`
	Extranet bool   `json:"extranet_support,omitempty"`
	// Lang is the command's LANG list as sent (JSON).
	Lang    json.RawMessage `json:"lang,omitempty"`
	Handler handler         `json:"handler"`
}

// Chat types as imbot.dialog.get names them.
const (
	chatTypeChat  = "chat"  // closed group chat, message type C
	chatTypeOpen  = "open"  // open chat, message type O
	chatTypeLines = "lines" // open-line dialog, message type L
	// chatTypePrivate is a private dialog of two users (message type P),
	// which the imbot.chat.* methods do not see (dialogs.go).
	chatTypePrivate = "private"
)

// locks are the chat actions a chat forbids (Bitrix24's chat
// "restrictions", inverted so that the zero value allows everything).
type locks struct {
	Rename     bool `json:"rename,omitempty"`
	Avatar     bool `json:"avatar,omitempty"`
	Extend     bool `json:"extend,omitempty"`
	Leave      bool `json:"leave,omitempty"`
	LeaveOwner bool `json:"leave_owner,omitempty"`
}

// avatar is a chat icon: the decoded image and its type.
type avatar struct {
	MIME      string    `json:"mime"`
	Data      []byte    `json:"data"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	UpdatedAt time.Time `json:"updated_at"`
}

// chat is a group chat, an open chat or an open-line dialog.
type chat struct {
	ID          int64   `json:"id"`
	Portal      string  `json:"portal"`
	Type        string  `json:"type"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Color       string  `json:"color"` // palette code, "MINT"
	Avatar      *avatar `json:"avatar,omitempty"`
	OwnerID     int64   `json:"owner_id"`
	// Members is the member list of a chat document written before
	// members became documents of their own (chatMember); new documents
	// leave it out. See members.go.
	Members     []int64 `json:"members,omitempty"`
	EntityType  string  `json:"entity_type"`
	EntityID    string  `json:"entity_id"`
	EntityData1 string  `json:"entity_data_1"`
	EntityData2 string  `json:"entity_data_2"`
	EntityData3 string  `json:"entity_data_3"`
	// General marks the portal's general (company-wide) chat.
	General       bool      `json:"general"`
	Locks         locks     `json:"locks"`
	CreatedAt     time.Time `json:"created_at"`
	LastMessageID int64     `json:"last_message_id"`
	MessageCount  int       `json:"message_count"`
	// Pair are the two users of a private dialog (type private).
	Pair []int64 `json:"pair,omitempty"`
}

// chatMember makes user UserID a member of chat ChatID; Order is its
// joining order (a portal-wide sequence, so later joins order after
// earlier ones in every chat).
type chatMember struct {
	Portal string `json:"portal"`
	ChatID int64  `json:"chat_id"`
	UserID int64  `json:"user_id"`
	Order  int64  `json:"order"`
}

// Message kinds.
const (
	messageChat    = "chat"    // posted into a chat (a first message, an automatic message)
	messageWelcome = "welcome" // an open line's greeting
	messageNetwork = "network" // an open channel's message to one user
)

// message is a message the emulator records: what bots and open lines
// posted, for tests to check.
type message struct {
	ID         int64           `json:"id"`
	Portal     string          `json:"portal"`
	Kind       string          `json:"kind"`
	ChatID     int64           `json:"chat_id"`    // 0 for a message to a user
	ToUserID   int64           `json:"to_user_id"` // network messages
	AuthorID   int64           `json:"author_id"`
	Text       string          `json:"text"`
	Attach     json.RawMessage `json:"attach,omitempty"`
	Keyboard   json.RawMessage `json:"keyboard,omitempty"`
	URLPreview bool            `json:"url_preview"`
	Date       time.Time       `json:"date"`
	Menu       json.RawMessage `json:"menu,omitempty"`
	System     bool            `json:"system,omitempty"`
	Edited     bool            `json:"edited,omitempty"`
	// Likes are the users who like the message, in the order they did.
	Likes []int64 `json:"likes,omitempty"`
	// TemplateID is the client's id of the message (events' TEMPLATE_ID).
	TemplateID string `json:"template_id,omitempty"`
}

// openLine is an open line (Open Channel): the connector page's 32-character
// code, whether it takes dialogs, its greeting and its operator queue.
type openLine struct {
	ID       int64   `json:"id"` // the line (config) id, what QUEUE_ID names
	Portal   string  `json:"portal"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Active   bool    `json:"active"`
	Greeting string  `json:"greeting"`
	Queue    []int64 `json:"queue"` // operator user ids, in distribution order
	BotID    int64   `json:"bot_id"`
}

// Session states.
const (
	sessionBot      = "bot"      // the bot holds the dialog
	sessionTransfer = "transfer" // sent to an operator or a queue, not accepted yet
	sessionQueue    = "queue"    // waiting in a line's queue for an operator
	sessionOperator = "operator" // an operator holds the dialog
	sessionFinished = "finished"
)

// session is an open-line session: who holds the dialog of chat ChatID.
type session struct {
	ID       int64  `json:"id"`
	Portal   string `json:"portal"`
	ChatID   int64  `json:"chat_id"`
	LineID   int64  `json:"line_id"`
	ClientID int64  `json:"client_id"`
	Status   string `json:"status"`
	// OperatorID holds the dialog (a bot or a user); 0 while it waits in
	// QueueID's queue.
	OperatorID int64 `json:"operator_id"`
	QueueID    int64 `json:"queue_id"`
	// BotID is the bot that held the dialog last.
	BotID      int64          `json:"bot_id"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	History    []sessionEvent `json:"history"`
}

// sessionEvent is one change of a session, for tests to follow.
type sessionEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"` // start, operator, transfer, finish, answer
	By     int64     `json:"by"`
	To     string    `json:"to,omitempty"` // a user id or "queue<ID>"
}

// active reports whether the session is still open.
func (s *session) active() bool { return s.Status != sessionFinished }

// networkLimit is the last time a network bot wrote to a user, for the
// once-a-week rule of imopenlines.network.message.add.
type networkLimit struct {
	// Portal is the portal its key names; the document does not hold it.
	Portal string    `json:"-"`
	BotID  int64     `json:"bot_id"`
	UserID int64     `json:"user_id"`
	SentAt time.Time `json:"sent_at"`
}

// bucket is the state of a portal's leaky bucket.
type bucket struct {
	// Portal is the portal its key names; the document does not hold it.
	Portal string    `json:"-"`
	Level  float64   `json:"level"`
	At     time.Time `json:"at"`
}

// CheckDocument implements core.DocumentChecker for the keys of state.go:
// the portal index, portals, OAuth tokens, rate-limit buckets and the
// portal-scoped documents "bitrix24:<portal>:<kind>:<id>" (users, bots,
// chats, chat members, messages, open lines, sessions and weekly network
// limits), with the bounds of their strings (bounds.go).
func (s *Service) CheckDocument(key string, raw []byte) error {
	if key == portalIndexKey {
		return documentWithin(raw, portalIndexWithin)
	}
	rest := strings.TrimPrefix(key, vendorName+":")
	parts := strings.Split(rest, ":")
	// Tokens are free text (a colon included): their prefixes come first.
	// A portal named "token" has scoped keys of four or five parts, so a
	// key that is not a token is tried as a scoped one as well.
	var first error = core.ErrUnknownDocument
	switch parts[0] {
	case "token":
		first = documentWithin(raw, (*accessToken).within)
	case "refresh":
		first = documentWithin(raw, (*refreshToken).within)
	case "portal":
		if len(parts) == 2 {
			first = documentWithin(raw, (*portal).within)
		}
	case "bucket":
		if len(parts) == 2 {
			first = core.DocumentAs[bucket](raw)
		}
	case "operating":
		first = core.DocumentAs[operatingUsage](raw)
	}
	if first == nil {
		return nil
	}
	if err := checkScoped(parts, raw); err != core.ErrUnknownDocument || first == core.ErrUnknownDocument {
		return err
	}
	return first
}

// checkScoped checks "<portal>:<kind>:<id>",
// "<portal>:netlimit:<bot id>:<user id>" and
// "<portal>:chatuser:<chat id>:<user id>".
func checkScoped(parts []string, raw []byte) error {
	for _, id := range parts[min(2, len(parts)):] {
		if _, ok := core.KeyID(id); !ok {
			return core.ErrUnknownDocument
		}
	}
	switch {
	case len(parts) == 4 && parts[1] == "netlimit":
		return core.DocumentAs[networkLimit](raw)
	case len(parts) == 4 && parts[1] == kindChatUser:
		return checkMember(parts, raw)
	case len(parts) != 3:
		return core.ErrUnknownDocument
	}
	switch parts[1] {
	case kindUser:
		return documentWithin(raw, (*user).within)
	case kindBot:
		return documentWithin(raw, (*bot).within)
	case kindChat:
		return documentWithin(raw, (*chat).within)
	case kindMessage:
		return documentWithin(raw, (*message).within)
	case kindLine:
		return documentWithin(raw, (*openLine).within)
	case kindSession:
		return documentWithin(raw, (*session).within)
	case kindCommand:
		return documentWithin(raw, (*command).within)
	}
	return core.ErrUnknownDocument
}

// checkMember checks a chat member document: it must name the portal, the
// chat and the user its key names, since the member index finds a chat's
// members by the document's fields and membership checks by its key.
func checkMember(parts []string, raw []byte) error {
	if err := core.DocumentAs[chatMember](raw); err != nil {
		return err
	}
	var m chatMember
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	chatID, _ := core.KeyID(parts[2])
	userID, _ := core.KeyID(parts[3])
	if m.Portal != parts[0] || m.ChatID != chatID || m.UserID != userID {
		return fmt.Errorf("member of portal %q chat %d user %d stored under the key of portal %q chat %d user %d",
			m.Portal, m.ChatID, m.UserID, parts[0], chatID, userID)
	}
	return nil
}
