package imbachat

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatemu/chatemu/internal/outbound"
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
