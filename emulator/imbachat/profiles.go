package imbachat

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// ImbaChat learns who a site user is by calling the site's "Users info
// URL" with the user ids (reference: vendor-events §2.1 and §2.3,
// imbachat-imbox §1.9): a GET with the widget's API login and password as
// HTTP Basic, answered with a JSON array of profiles. chatemu makes that
// call when a request meets site users it holds no fresh profile for, after
// the request has been answered, and stores what the site says
// (docs/imbachat.md, "Your endpoints"; docs/fidelity.md, "Users info").

const (
	// EventUsersInfo names the call to a site's users info URL in the
	// delivery journal and in scenario rules (match.event).
	EventUsersInfo = "users_info"
	// profileTTL is how long a profile the site answered is kept before a
	// request that meets the user asks again (emulator clock).
	profileTTL = time.Hour
	// idsPlaceholder in a users info URL is replaced by the ids; without
	// it, the ids go in a user_ids query parameter.
	idsPlaceholder = "{ids}"
	// maxIDsPerCall and maxIDsBytes split the ids one change meets into
	// several calls: at most 100 ids, and 2 KB of them, per URL.
	maxIDsPerCall = 100
	maxIDsBytes   = 2048
	// maxProfileProblems is how many of an answer's skipped profiles are
	// named in the log.
	maxProfileProblems = 5
)

// fetches is the bookkeeping of the calls under way: a user being asked
// for is not asked for again until the answer (or the failure) is in. Its
// generation moves when the model is cleared, so that an answer to a call
// made before a reset or an import stores nothing.
type fetches struct {
	mu      sync.Mutex
	gen     uint64
	pending map[remoteKey]struct{}
}

// reset forgets every call under way (the model is being cleared).
func (f *fetches) reset() {
	f.mu.Lock()
	f.gen++
	f.pending = map[remoteKey]struct{}{}
	f.mu.Unlock()
}

// claim marks the ids of a widget as being asked for, returning those that
// were not already and the generation the call belongs to.
func (f *fetches) claim(imbaID int64, ids []string) ([]string, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		k := remoteKey{imbaID, id}
		if _, busy := f.pending[k]; !busy {
			f.pending[k] = struct{}{}
			out = append(out, id)
		}
	}
	return out, f.gen
}

// release ends the calls for ids of a generation.
func (f *fetches) release(imbaID int64, ids []string, gen uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if gen != f.gen {
		return
	}
	for _, id := range ids {
		delete(f.pending, remoteKey{imbaID, id})
	}
}

// current reports whether gen is the model's generation.
func (f *fetches) current(gen uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return gen == f.gen
}

// pendingFor reports whether a user is being asked for.
func (f *fetches) pendingFor(imbaID int64, remote string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.pending[remoteKey{imbaID, remote}]
	return ok
}

// needsProfile reports whether the site should be asked about u at now:
// it never answered for u, or answered longer than profileTTL ago.
func (u *user) needsProfile(now time.Time) bool {
	return u.ProfileAt == nil || now.Sub(*u.ProfileAt) >= profileTTL
}

// profileAsk is what one change met: the widget (with its site's URL and
// credentials) and the external ids of its users without a fresh profile.
type profileAsk struct {
	w   widget
	ids []string
}

// profileAsk lists which of a widget's users (internal ids) the site is to
// be asked about; nil when none, or when the widget names no users info
// URL. It reads the model: call it inside the change.
func (m *model) profileAsk(imbaID int64, userIDs []int64, now time.Time) *profileAsk {
	w, ok := m.widgets.Get(imbaID)
	if !ok || w.UsersInfoURL == "" {
		return nil
	}
	var ids []string
	for _, id := range userIDs {
		if u, ok := m.users.Get(id); ok && u.DeletedAt == nil && u.needsProfile(now) {
			ids = append(ids, u.RemoteUserID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return &profileAsk{w: w, ids: ids}
}

// askProfiles adds the users info calls of ask to out, leaving out the ids
// already being asked for. Call it once the change that met them has been
// made.
func (s *Service) askProfiles(out *outbound.Outbox, ask *profileAsk) {
	if ask == nil {
		return
	}
	ids, gen := s.m.fetch.claim(ask.w.ImbaID, ask.ids)
	for len(ids) > 0 {
		n, size := 0, 0
		for n < len(ids) && n < maxIDsPerCall && (n == 0 || size+1+len(ids[n]) <= maxIDsBytes) {
			size += 1 + len(ids[n])
			n++
		}
		out.Add(s.usersInfoCall(&ask.w, ids[:n:n], gen))
		ids = ids[n:]
	}
}

// usersInfoCall is the call asking w's site about ids.
func (s *Service) usersInfoCall(w *widget, ids []string, gen uint64) outbound.Delivery {
	login, password := w.siteCredentials()
	creds := base64.StdEncoding.EncodeToString([]byte(login + ":" + password))
	return outbound.Delivery{
		Vendor: vendorName, Event: EventUsersInfo, Tenant: tenant(w.ImbaID),
		URL: usersInfoURL(w.UsersInfoURL, ids), Method: http.MethodGet,
		Header: http.Header{"Authorization": {"Basic " + creds}, "Accept": {"application/json"}},
		Reply:  s.storeProfiles(w.ImbaID, ids, gen),
	}
}

// siteCredentials are the Basic credentials ImbaChat calls the site with:
// the widget's API login (its id when it has none) and API password (its
// secret key when it has none).
func (w *widget) siteCredentials() (login, password string) {
	login, password = w.APILogin, w.APIPassword
	if login == "" {
		login = strconv.FormatInt(w.ImbaID, 10)
	}
	if password == "" {
		password = w.SecretKey
	}
	return login, password
}

// usersInfoURL fills a users info URL with ids, comma-separated: in place
// of "{ids}" (the WordPress and OctoberCMS plugins' /getusers/{ids}), or
// else as a user_ids query parameter (the docs' ?user_ids=1,2,3).
func usersInfoURL(tmpl string, ids []string) string {
	joined := strings.Join(ids, ",")
	if strings.Contains(tmpl, idsPlaceholder) {
		return strings.ReplaceAll(tmpl, idsPlaceholder, joined)
	}
	switch {
	case !strings.Contains(tmpl, "?"):
		tmpl += "?"
	case !strings.HasSuffix(tmpl, "?") && !strings.HasSuffix(tmpl, "&"):
		tmpl += "&"
	}
	return tmpl + "user_ids=" + joined
}

// checkUsersInfoURL says what is wrong with a users info URL, "" when
// nothing is: an absolute http or https URL without a fragment, which may
// hold "{ids}".
func checkUsersInfoURL(s string) string {
	u, err := url.Parse(strings.ReplaceAll(s, idsPlaceholder, "1"))
	switch {
	case err != nil:
		return fmt.Sprintf("not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("must be an http or https URL, got %q", s)
	case u.Host == "":
		return fmt.Sprintf("must name a host, got %q", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Sprintf("must not have a fragment, got %q", s)
	}
	return ""
}

// absoluteHTTP reports whether s is an absolute http or https URL.
func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// storeProfiles is the Reply of a users info call for ids: a 2xx answer
// holding a JSON array stores the profiles of the ids asked for and marks
// every id asked for as answered (a site skips the ids it does not know);
// anything else stores nothing, so the next request that meets the users
// asks again.
func (s *Service) storeProfiles(imbaID int64, ids []string, gen uint64) func(outbound.Result) {
	return func(res outbound.Result) {
		m := s.m
		defer m.fetch.release(imbaID, ids, gen)
		log := s.deps.Logger
		if res.Outcome != outbound.OutcomeDelivered {
			if log != nil {
				log.Info("imbachat: the site's users info call failed; the users keep what they had", "widget", imbaID,
					"outcome", res.Outcome, "status", res.Status, "error", fmt.Sprint(res.Err))
			}
			return
		}
		profiles, problems, err := parseProfiles(res.Body, ids)
		if err != nil {
			if log != nil {
				log.Warn("imbachat: the site's users info answer was not used; the users keep what they had", "widget", imbaID, "reason", err.Error())
			}
			return
		}
		if len(problems) > 0 && log != nil {
			log.Warn("imbachat: profiles of the site's users info answer were skipped", "widget", imbaID,
				"skipped", len(problems), "first", problems[:min(len(problems), maxProfileProblems)])
		}
		now := s.deps.Clock.Now().UTC().Truncate(time.Second)
		err = m.db.Update(func(tx *state.Tx) error {
			if !m.fetch.current(gen) {
				return nil // a reset or an import came in between
			}
			for _, remote := range ids {
				u, ok := m.userByRemoteID(imbaID, remote)
				if !ok {
					continue
				}
				if p, ok := profiles[remote]; ok {
					p.apply(&u)
					u.UpdatedAt = now
				}
				u.ProfileAt = &now
				m.users.Put(tx, u)
			}
			return nil
		})
		if err != nil && log != nil {
			log.Error("imbachat: storing the site's profiles failed", "widget", imbaID, "error", err.Error())
		}
	}
}

// siteProfile is what chatemu keeps of a profile the site answered.
type siteProfile struct {
	name, avatarURL, role string
	data                  json.RawMessage // the profile as sent, compacted
}

// apply writes the profile into a user: the name, the avatar (when the site
// gives one), the status (from chat_role admin or user) and user_data (the
// profile as the site sent it).
func (p *siteProfile) apply(u *user) {
	u.Name, u.UserData = p.name, p.data
	if p.avatarURL != "" {
		u.AvatarURL = p.avatarURL
	}
	if p.role != "" {
		u.Status = p.role
	}
}

// profileItem is one element of the answer, its fields left raw.
type profileItem struct {
	UserID    json.RawMessage `json:"user_id"`
	Name      json.RawMessage `json:"name"`
	AvatarURL json.RawMessage `json:"avatar_url"`
	ChatRole  json.RawMessage `json:"chat_role"`
}

// parseProfiles reads a users info answer: a JSON array of profiles, each
// with user_id (a number or a string) and name (a string), optionally
// avatar_url and chat_role. The error says why the answer as a whole is
// unusable; problems name the profiles skipped: one that is not an object,
// lacks user_id or name, names an id not asked for or already answered, or
// holds a string longer than its column.
func parseProfiles(body []byte, asked []string) (map[string]siteProfile, []string, error) {
	if len(body) >= outbound.MaxReplyBody {
		return nil, nil, fmt.Errorf("the answer is %d bytes or longer: only that much is read, so it is cut", outbound.MaxReplyBody)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, nil, fmt.Errorf("not a JSON array: %q", clipText(string(trimmed), 80))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(trimmed, &items); err != nil {
		return nil, nil, fmt.Errorf("not a JSON array: %w", err)
	}
	want := make(map[string]bool, len(asked))
	for _, id := range asked {
		want[id] = true
	}
	out := map[string]siteProfile{}
	var problems []string
	for i, raw := range items {
		id, p, why := readProfile(raw)
		switch {
		case why != "":
		case !want[id]:
			why = fmt.Sprintf("user_id %q was not asked for", clipText(id, 40))
		default:
			if _, dup := out[id]; dup {
				why = fmt.Sprintf("user_id %q is answered twice: the first is kept", id)
			}
		}
		if why != "" {
			problems = append(problems, fmt.Sprintf("[%d]: %s", i, why))
			continue
		}
		out[id] = p
	}
	return out, problems, nil
}

// readProfile reads one profile of the answer: its user id, the profile,
// or why it is skipped.
func readProfile(raw json.RawMessage) (string, siteProfile, string) {
	var it profileItem
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &it) != nil {
		return "", siteProfile{}, "not an object"
	}
	id, ok := jsonID(it.UserID)
	if !ok {
		return "", siteProfile{}, "user_id is missing or not a number or a string"
	}
	var p siteProfile
	if n := bytes.TrimSpace(it.Name); len(n) == 0 || n[0] != '"' || json.Unmarshal(n, &p.name) != nil {
		return id, p, "name is missing or not a string"
	}
	// Absent, null or false (WordPress omits gravatars), or not an
	// absolute http URL: the user keeps the avatar it has.
	if json.Unmarshal(it.AvatarURL, &p.avatarURL) != nil || !absoluteHTTP(p.avatarURL) {
		p.avatarURL = ""
	}
	var role string
	if json.Unmarshal(it.ChatRole, &role) == nil && (role == "admin" || role == "user") {
		p.role = role
	}
	var data bytes.Buffer
	if err := json.Compact(&data, raw); err != nil {
		return id, p, "not JSON"
	}
	p.data = data.Bytes()
	for _, f := range []field{{"name", p.name, varcharColumn}, {"avatar_url", p.avatarURL, varcharColumn}, {"user_data", string(p.data), textColumn}} {
		if why := f.bound.exceeded(f.value); why != "" {
			return id, p, f.name + ": " + why
		}
	}
	return id, p, ""
}

// jsonID reads a user id sent as a JSON number or string.
func jsonID(raw json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "", false
	}
	if t[0] == '"' {
		var s string
		if json.Unmarshal(t, &s) != nil || strings.TrimSpace(s) == "" {
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	var n json.Number
	if json.Unmarshal(t, &n) != nil {
		return "", false
	}
	return n.String(), true
}

// clipText cuts s to at most n bytes on a character boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// submitAsk adds ask's calls to out or, when out is nil (a Service method
// called outside a request and the control plane), hands them to the
// delivery engine at once.
func (s *Service) submitAsk(out *outbound.Outbox, ask *profileAsk) {
	if ask == nil {
		return
	}
	if out != nil {
		s.askProfiles(out, ask)
		return
	}
	if s.deps.Outbound == nil {
		return
	}
	o := outbound.NewOutbox("")
	s.askProfiles(o, ask)
	s.deps.Outbound.SubmitOutbox(o)
}
