package bitrix24

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
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
	Webhooks  []webhook `json:"webhooks"`
	Apps      []app     `json:"apps"`
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
}

// Chat types as imbot.dialog.get names them.
const (
	chatTypeChat  = "chat"  // closed group chat, message type C
	chatTypeOpen  = "open"  // open chat, message type O
	chatTypeLines = "lines" // open-line dialog, message type L
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

	// partial marks a chat read in part (chatGate): storing it would lose
	// the fields it lacks, so putChat refuses it.
	partial bool
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
	BotID  int64     `json:"bot_id"`
	UserID int64     `json:"user_id"`
	SentAt time.Time `json:"sent_at"`
}

// bucket is the state of a portal's leaky bucket.
type bucket struct {
	Level float64   `json:"level"`
	At    time.Time `json:"at"`
}

// Document kinds.
const (
	kindUser    = "user"
	kindBot     = "bot"
	kindChat    = "chat"
	kindMessage = "message"
	kindLine    = "line"
	kindSession = "session"
	// kindChatUser is a chat's member: "bitrix24:<portal>:chatuser:<chat id>:<user id>".
	kindChatUser = "chatuser"
)

// Keys. Portal-scoped documents live under "bitrix24:<portal>:<kind>:<id>";
// portal names are restricted to [a-z0-9_-] by the fixture schema.
func portalKey(name string) string   { return vendorName + ":portal:" + name }
func tokenKey(token string) string   { return vendorName + ":token:" + token }
func refreshKey(token string) string { return vendorName + ":refresh:" + token }
func bucketKey(portal string) string { return vendorName + ":bucket:" + portal }
func scopedKey(portal, kind string, id int64) string {
	if id < 0 {
		return fmt.Sprintf("%s:%s:%s:%012d", vendorName, portal, kind, id)
	}
	// built by hand: every method builds a few
	var b strings.Builder
	b.Grow(len(vendorName) + len(portal) + len(kind) + 15)
	b.WriteString(vendorName + ":")
	b.WriteString(portal)
	b.WriteByte(':')
	b.WriteString(kind)
	b.WriteByte(':')
	writePadded(&b, id)
	return b.String()
}
func scopedPattern(portal, kind string) string { return vendorName + ":" + portal + ":" + kind + ":*" }
func seqName(portal, kind string) string       { return vendorName + ":" + portal + ":" + kind }

// memberKeyPrefix is what memberKey(portal, chatID, id) is for every id,
// up to the last ':'.
func memberKeyPrefix(portal string, chatID int64) string {
	return fmt.Sprintf("%s:%s:%s:%012d", vendorName, portal, kindChatUser, chatID)
}

func memberKey(portal string, chatID, userID int64) string {
	if chatID < 0 || userID < 0 {
		return fmt.Sprintf("%s:%s:%s:%012d:%012d", vendorName, portal, kindChatUser, chatID, userID)
	}
	// built by hand: membership checks build one on every call
	var b strings.Builder
	b.Grow(len(vendorName) + len(portal) + len(kindChatUser) + 30)
	b.WriteString(vendorName + ":")
	b.WriteString(portal)
	b.WriteString(":" + kindChatUser + ":")
	writePadded(&b, chatID)
	b.WriteByte(':')
	writePadded(&b, userID)
	return b.String()
}

// writePadded writes n (not negative) as "%012d" does.
func writePadded(b *strings.Builder, n int64) {
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], n, 10)
	for i := len(d); i < 12; i++ {
		b.WriteByte('0')
	}
	b.Write(d)
}
func limitKey(portal string, botID, userID int64) string {
	return fmt.Sprintf("%s:%s:netlimit:%012d:%012d", vendorName, portal, botID, userID)
}

const portalIndexKey = vendorName + ":portals"

// Index names.
const (
	idxChatEntity    = "bitrix24_chat_entity"  // chats by portal, entity_type, entity_id
	idxMessageChat   = "bitrix24_message_chat" // messages by portal, chat_id
	idxMessageUser   = "bitrix24_message_user" // messages by portal, to_user_id
	idxSessionChat   = "bitrix24_session_chat" // sessions by portal, chat_id
	idxLineCode      = "bitrix24_line_code"    // open lines by portal, code
	idxBotNetworkFor = "bitrix24_bot_network"  // bots by portal, network_code
)

func indexes() []core.Index {
	any := func(kind string) string { return vendorName + ":*:" + kind + ":*" }
	return []core.Index{
		{Name: idxChatEntity, Pattern: any(kindChat), Fields: []string{"portal", "entity_type", "entity_id"}},
		{Name: idxMessageChat, Pattern: any(kindMessage), Fields: []string{"portal", "chat_id"}},
		{Name: idxMessageUser, Pattern: any(kindMessage), Fields: []string{"portal", "to_user_id"}},
		{Name: idxSessionChat, Pattern: any(kindSession), Fields: []string{"portal", "chat_id"}},
		{Name: idxLineCode, Pattern: any(kindLine), Fields: []string{"portal", "code"}},
		{Name: idxBotNetworkFor, Pattern: any(kindBot), Fields: []string{"portal", "network_code"}},
	}
}

// getDoc reads the document at key into v; found is false when absent.
func getDoc[T any](tx *core.Tx, key string) (*T, error) {
	var v T
	found, err := tx.Get(key, &v)
	if err != nil || !found {
		return nil, err
	}
	return &v, nil
}

// scanIndex decodes every document of index whose fields equal pivot's.
func scanIndex[T any](tx *core.Tx, index string, pivot any) ([]T, error) {
	return core.AllEqual[T](tx, index, pivot)
}

// scanKind decodes every document of one kind of a portal, in id order.
func scanKind[T any](tx *core.Tx, portal, kind string) ([]T, error) {
	var out []T
	var decodeErr error
	err := tx.Scan(scopedPattern(portal, kind), func(_, doc string) bool {
		var v T
		if decodeErr = json.Unmarshal([]byte(doc), &v); decodeErr != nil {
			return false
		}
		out = append(out, v)
		return true
	})
	if err == nil {
		err = decodeErr
	}
	return out, err
}
