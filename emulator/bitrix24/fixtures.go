package bitrix24

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// fixtureSection is the "bitrix24" section of a fixture or seed document
// (schemas/bitrix24/fixtures.schema.json): portals, each with its settings,
// credentials and data. A portal named again (by a later document or a
// seed) keeps what the new entry leaves out: settings given replace the
// old ones, listed webhooks, apps, tokens and data replace those with the
// same key and add the others.
type fixtureSection struct {
	Portals []fixturePortal `json:"portals"`
}

type fixturePortal struct {
	Name         string            `json:"name"`
	Domain       *string           `json:"domain"`
	MemberID     *string           `json:"member_id"`
	Strict       *bool             `json:"strict"`
	RequireHTTPS *bool             `json:"require_https"`
	IMBot        *bool             `json:"imbot_installed"`
	RateLimit    *fixtureRateLimit `json:"rate_limit"`
	Webhooks     []webhook         `json:"webhooks"`
	Apps         []app             `json:"apps"`
	Tokens       []fixtureToken    `json:"tokens"`
	Users        []fixtureUser     `json:"users"`
	Bots         []fixtureBot      `json:"bots"`
	Chats        []fixtureChat     `json:"chats"`
	OpenLines    []fixtureLine     `json:"open_lines"`
	Sessions     []fixtureSession  `json:"sessions"`
}

type fixtureRateLimit struct {
	Enabled        bool     `json:"enabled"`
	Burst          *float64 `json:"burst"`
	DrainPerSecond *float64 `json:"drain_per_second"`
}

type fixtureToken struct {
	AccessToken  string     `json:"access_token"`
	RefreshToken string     `json:"refresh_token"`
	ClientID     string     `json:"client_id"`
	UserID       int64      `json:"user_id"`
	ExpiresAt    *time.Time `json:"expires_at"`
}

type fixtureUser struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	LastName  string `json:"last_name"`
	Active    *bool  `json:"active"`
	Extranet  bool   `json:"extranet"`
	Connector bool   `json:"connector"`
}

type fixtureBot struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	LastName string `json:"last_name"`
	ClientID string `json:"client_id"`
	Type     string `json:"type"`
	OpenLine bool   `json:"openline"`
	// Webhook plays a bot registered through an incoming webhook.
	Webhook bool `json:"webhook"`
	// The handler URLs, as imbot.register takes them (EventHandler for
	// all five).
	EventHandler       string `json:"event_handler"`
	EventMessageAdd    string `json:"event_message_add"`
	EventMessageUpdate string `json:"event_message_update"`
	EventMessageDelete string `json:"event_message_delete"`
	EventWelcome       string `json:"event_welcome_message"`
	EventBotDelete     string `json:"event_bot_delete"`
}

// handlers are the fixture bot's bound handlers: each URL given (a
// webhook bot's with CLIENT_ID appended, as registration stores it), with
// a new handler row id.
func (fb *fixtureBot) handlers(tx *state.Tx, portal string) map[string]handler {
	out := map[string]handler{}
	for _, h := range []struct{ event, url string }{{evMessageAdd, fb.EventMessageAdd}, {evMessageUpdate, fb.EventMessageUpdate},
		{evMessageDelete, fb.EventMessageDelete}, {evJoinChat, fb.EventWelcome}, {evBotDelete, fb.EventBotDelete}} {
		u := h.url
		if fb.EventHandler != "" {
			u = fb.EventHandler
		}
		if u == "" {
			continue
		}
		if fb.Webhook {
			u = withClientID(u, fb.ClientID)
		}
		out[h.event] = handler{ID: tx.Next(seqName(portal, kindHandler)), URL: u}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

type fixtureRestrictions struct {
	Rename     *bool `json:"rename"`
	Avatar     *bool `json:"avatar"`
	Extend     *bool `json:"extend"`
	Leave      *bool `json:"leave"`
	LeaveOwner *bool `json:"leave_owner"`
}

type fixtureChat struct {
	ID           int64                `json:"id"`
	Type         string               `json:"type"`
	Title        string               `json:"title"`
	Description  string               `json:"description"`
	Color        string               `json:"color"`
	OwnerID      int64                `json:"owner_id"`
	Users        []int64              `json:"users"`
	EntityType   string               `json:"entity_type"`
	EntityID     string               `json:"entity_id"`
	EntityData1  string               `json:"entity_data_1"`
	EntityData2  string               `json:"entity_data_2"`
	EntityData3  string               `json:"entity_data_3"`
	General      bool                 `json:"general"`
	Restrictions *fixtureRestrictions `json:"restrictions"`
	DateCreate   *time.Time           `json:"date_create"`
}

type fixtureLine struct {
	ID       int64   `json:"id"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Active   *bool   `json:"active"`
	Greeting string  `json:"greeting"`
	Queue    []int64 `json:"queue"`
	BotID    int64   `json:"bot_id"`
}

type fixtureSession struct {
	ID         int64      `json:"id"`
	ChatID     int64      `json:"chat_id"`
	LineID     int64      `json:"line_id"`
	ClientID   int64      `json:"client_id"`
	Status     string     `json:"status"`
	OperatorID int64      `json:"operator_id"`
	QueueID    int64      `json:"queue_id"`
	StartedAt  *time.Time `json:"started_at"`
}

// Defaults of a portal's settings.
const (
	defaultBurst         = 50
	defaultDrain         = 2
	defaultTokenLifetime = 3600
)

// neverExpires is the expiry of fixture tokens given without one.
var neverExpires = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// applyFixtures writes a validated section, once checkSection finds no
// problem in it (else a *core.ValidationError lists them all); now (the
// emulator clock) dates what the fixtures leave undated.
func (s *Service) applyFixtures(tx *state.Tx, raw json.RawMessage) error {
	var sec fixtureSection
	if err := json.Unmarshal(raw, &sec); err != nil {
		return fmt.Errorf("bitrix24 fixtures: %w", err)
	}
	if problems := s.m.checkSection(&sec); len(problems) > 0 {
		return &core.ValidationError{Problems: problems} // nothing applied
	}
	now := s.deps.Clock.Now()
	for i := range sec.Portals {
		if err := s.m.applyPortal(tx, &sec.Portals[i], fmt.Sprintf("portals/%d", i), now); err != nil {
			return fmt.Errorf("bitrix24 fixtures: %w", err)
		}
	}
	return nil
}

func (m *model) applyPortal(tx *state.Tx, fp *fixturePortal, at string, now time.Time) error {
	p, ok := m.portals.Get(fp.Name)
	if !ok {
		sum := md5.Sum([]byte("chatemu portal " + fp.Name))
		p = portal{Name: fp.Name, Domain: fp.Name + ".bitrix24.com", MemberID: hex.EncodeToString(sum[:]),
			RateLimit: rateLimit{Burst: defaultBurst, DrainPerSecond: defaultDrain}}
	}
	// the stored row shares its lists: change copies of them
	p.Webhooks, p.Apps = slices.Clone(p.Webhooks), slices.Clone(p.Apps)
	if fp.Domain != nil {
		p.Domain = *fp.Domain
	}
	if fp.MemberID != nil {
		p.MemberID = *fp.MemberID
	}
	if fp.Strict != nil {
		p.Strict = *fp.Strict
	}
	if fp.RequireHTTPS != nil {
		p.RequireHTTPS = *fp.RequireHTTPS
	}
	if fp.IMBot != nil {
		p.NoIMBot = !*fp.IMBot
	}
	if rl := fp.RateLimit; rl != nil {
		p.RateLimit.Enabled = rl.Enabled
		if rl.Burst != nil {
			p.RateLimit.Burst = *rl.Burst
		}
		if rl.DrainPerSecond != nil {
			p.RateLimit.DrainPerSecond = *rl.DrainPerSecond
		}
	}
	for _, w := range fp.Webhooks {
		if existing := p.webhook(w.UserID, w.Code); existing != nil {
			*existing = w
		} else {
			p.Webhooks = append(p.Webhooks, w)
		}
	}
	for _, a := range fp.Apps {
		if a.TokenLifetime <= 0 {
			a.TokenLifetime = defaultTokenLifetime
		}
		if existing := p.app(a.ClientID); existing != nil {
			*existing = a
		} else {
			p.Apps = append(p.Apps, a)
		}
	}
	m.portals.Put(tx, p)
	m.indexPortal(tx, &p)
	for i, ft := range fp.Tokens {
		if p.app(ft.ClientID) == nil {
			return fmt.Errorf("%s/tokens/%d: no app with client_id %q on portal %s", at, i, ft.ClientID, p.Name)
		}
		exp := neverExpires
		if ft.ExpiresAt != nil {
			exp = ft.ExpiresAt.UTC()
		}
		t := accessToken{Token: ft.AccessToken, RefreshToken: ft.RefreshToken, Portal: p.Name, ClientID: ft.ClientID,
			UserID: ft.UserID, ExpiresAt: exp}
		m.tokens.Put(tx, t)
		if t.RefreshToken != "" {
			m.refreshes.Put(tx, refreshToken{Token: t.RefreshToken, Portal: p.Name, ClientID: t.ClientID, UserID: t.UserID})
		}
	}
	for _, fu := range fp.Users {
		u := user{ID: fu.ID, Portal: p.Name, Name: fu.Name, LastName: fu.LastName, Active: true,
			Extranet: fu.Extranet, Connector: fu.Connector}
		if fu.Active != nil {
			u.Active = *fu.Active
		}
		m.users.Put(tx, u)
	}
	for _, fb := range fp.Bots {
		b := bot{ID: fb.ID, Portal: p.Name, Code: fb.Code, Name: fb.Name, LastName: fb.LastName, ClientID: fb.ClientID, Type: fb.Type,
			OpenLine: fb.OpenLine || fb.Type == "O", Webhook: fb.Webhook, Handlers: fb.handlers(tx, p.Name)}
		if b.Type == "" {
			b.Type = "B"
		}
		m.bots.Put(tx, b)
	}
	for _, fc := range fp.Chats {
		c := fixtureChatDoc(p.Name, &fc, now)
		m.chats.Put(tx, c)
		// the fixture's "users" list becomes member documents, in its order
		m.setMembers(tx, p.Name, c.ID, fc.Users)
	}
	for _, fl := range fp.OpenLines {
		l := openLine{ID: fl.ID, Portal: p.Name, Code: fl.Code, Name: fl.Name, Active: true, Greeting: fl.Greeting,
			Queue: fl.Queue, BotID: fl.BotID}
		if fl.Active != nil {
			l.Active = *fl.Active
		}
		if l.Queue == nil {
			l.Queue = []int64{}
		}
		m.lines.Put(tx, l)
	}
	for i, fs := range fp.Sessions {
		ss, err := m.fixtureSessionDoc(p.Name, &fs, now)
		if err != nil {
			return fmt.Errorf("%s/sessions/%d: %w", at, i, err)
		}
		m.sessions.Put(tx, ss)
	}
	return nil
}

// indexPortal records the portal in the portal index (fixture order).
func (m *model) indexPortal(tx *state.Tx, p *portal) {
	old, _ := m.index.Get(struct{}{})
	list := slices.Clone(old)
	found := false
	for i := range list {
		if list[i].Name == p.Name {
			list[i].Domain, found = p.Domain, true
		}
	}
	if !found {
		list = append(list, portalRef{Name: p.Name, Domain: p.Domain})
	}
	m.index.Put(tx, list)
}

func fixtureChatDoc(portalName string, fc *fixtureChat, now time.Time) chat {
	c := chat{ID: fc.ID, Portal: portalName, Type: chatTypeChat, Title: fc.Title, Description: fc.Description,
		Color: fc.Color, OwnerID: fc.OwnerID, EntityType: fc.EntityType, EntityID: fc.EntityID,
		EntityData1: fc.EntityData1, EntityData2: fc.EntityData2, EntityData3: fc.EntityData3, General: fc.General,
		CreatedAt: now}
	switch strings.ToUpper(fc.Type) {
	case "OPEN":
		c.Type = chatTypeOpen
	case "LINES":
		c.Type = chatTypeLines
	}
	if fc.DateCreate != nil {
		c.CreatedAt = fc.DateCreate.UTC()
	}
	if c.Color == "" {
		c.Color = defaultColor(c.ID)
	}
	if r := fc.Restrictions; r != nil {
		deny := func(b *bool) bool { return b != nil && !*b }
		c.Locks = locks{Rename: deny(r.Rename), Avatar: deny(r.Avatar), Extend: deny(r.Extend), Leave: deny(r.Leave),
			LeaveOwner: deny(r.LeaveOwner)}
	}
	return c
}

func (m *model) fixtureSessionDoc(portalName string, fs *fixtureSession, now time.Time) (session, error) {
	if !m.chats.Has(scoped{portalName, fs.ChatID}) {
		return session{}, fmt.Errorf("chat %d is not defined", fs.ChatID)
	}
	l, ok := m.lines.Get(scoped{portalName, fs.LineID})
	if !ok {
		return session{}, fmt.Errorf("open line %d is not defined", fs.LineID)
	}
	ss := session{ID: fs.ID, Portal: portalName, ChatID: fs.ChatID, LineID: fs.LineID, ClientID: fs.ClientID,
		Status: fs.Status, OperatorID: fs.OperatorID, QueueID: fs.QueueID, StartedAt: now}
	if ss.Status == "" {
		ss.Status = sessionBot
	}
	if ss.Status == sessionBot {
		if ss.OperatorID == 0 {
			ss.OperatorID = l.BotID
		}
		ss.BotID = ss.OperatorID
	}
	if fs.StartedAt != nil {
		ss.StartedAt = fs.StartedAt.UTC()
	}
	if ss.Status == sessionFinished {
		f := ss.StartedAt
		ss.FinishedAt = &f
	}
	ss.History = []sessionEvent{{At: ss.StartedAt, Action: "start", By: ss.ClientID}}
	return ss, nil
}
