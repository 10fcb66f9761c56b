package bitrix24

import (
	"crypto/subtle"
	"net"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// Scopes the emulated methods need.
const (
	scopeIMBot     = "imbot"
	scopeOpenLines = "imopenlines"
)

// principal is who a call acts as: a portal user through a webhook, or a
// portal user through an OAuth application's access token.
type principal struct {
	Portal   *portal
	UserID   int64
	Webhook  bool
	HookCode string // the webhook's code; "" for OAuth
	ClientID string // the OAuth application's client id; "" for webhooks
	Scopes   []string
	// Bots are the portal's chat bots (a read-only snapshot).
	Bots []bot
}

func (p *principal) hasScope(scope string) bool {
	if scope == "" {
		return true
	}
	for _, s := range p.Scopes {
		if strings.EqualFold(s, scope) {
			return true
		}
	}
	return false
}

// insufficientScope is the 401 of a credential without the method's scope.
func (p *principal) insufficientScope() *core.APIError {
	if p.Webhook {
		return errInsufficientWH()
	}
	return errInsufficientToken()
}

func tenant(name string) string { return "portal:" + name }

// isTenant reports whether t is tenant(name).
func isTenant(t, name string) bool {
	rest, ok := strings.CutPrefix(t, "portal:")
	return ok && rest == name
}

// claim is what a request's credentials name, looked up once per request:
// ClaimedTenant finds it before faults are applied and leaves it in
// Request.Claim, where the route's auth takes it from.
type claim struct {
	tenant string     // the tenant the request claims, "" when none
	p      *principal // who the request acts as; nil when err is set
	err    error      // why the credentials are refused
}

// authFor is the auth phase of a method route, in the server's order: the
// method is known (unknown ones never reach a route, so they get
// ERROR_METHOD_NOT_FOUND before any credential check), the credentials are
// checked (every failure 401), then the scope, then the portal's request
// limit.
func (s *Service) authFor(m *method) core.AuthFunc {
	return func(req *core.Request) error {
		cl, ok := req.Claim.(*claim)
		if !ok || cl.p == nil && cl.err == nil {
			cl = s.resolve(req, m)
		}
		if cl.err != nil {
			return cl.err
		}
		p := cl.p
		if !isTenant(req.Tenant, p.Portal.Name) { // else the claim was right
			req.Tenant = tenant(p.Portal.Name)
		}
		req.Principal = p
		if !p.hasScope(m.scope) {
			return p.insufficientScope()
		}
		return s.throttle(p.Portal, req.Now)
	}
}

// resolve reads the request's credentials: the tenant they claim and, for
// a method (m not nil), who they authenticate or why they are refused.
func (s *Service) resolve(req *core.Request, m *method) *claim {
	cl := &claim{}
	t, pathOK := parseRESTPath(req.HTTP.URL.Path)
	var raw string
	if !t.webhook {
		raw = accessTokenOf(req)
	}
	s.m.db.View(func() error {
		refs, _ := s.m.index.Get(struct{}{})
		byHost := portalByHost(refs, req.HTTP.Host)
		var tok *accessToken
		if raw != "" {
			if v, ok := s.m.tokens.Get(raw); ok {
				tok = &v
			}
		}
		cl.tenant = s.m.claimedTenant(refs, byHost, t, pathOK, tok)
		if m == nil {
			return nil
		}
		if t.webhook {
			cl.p, cl.err = s.m.authWebhook(req, t, m, refs, byHost)
		} else {
			cl.p, cl.err = s.m.authToken(req, m, raw, tok, refs, byHost)
		}
		if cl.p != nil {
			cl.p.Bots = s.m.chatBots[cl.p.Portal.Name]
		}
		return nil
	})
	return cl
}

// portal returns a copy of a portal's settings, nil when it is not defined.
func (m *model) portal(name string) *portal {
	if p, ok := m.portals.Get(name); ok {
		return &p
	}
	return nil
}

// portalByHost names the portal whose domain the request's Host is, or "".
func portalByHost(refs []portalRef, host string) string {
	// A host without a colon has no port (and SplitHostPort would only
	// build its error).
	if strings.IndexByte(host, ':') >= 0 {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	for _, r := range refs {
		if r.Domain != "" && strings.EqualFold(r.Domain, host) {
			return r.Name
		}
	}
	return ""
}

// fallbackPortal is the portal that answers a request no credential ties to
// a portal: the one its Host names, else the first defined.
func (m *model) fallbackPortal(refs []portalRef, byHost string) *portal {
	switch {
	case byHost != "":
		return m.portal(byHost)
	case len(refs) > 0:
		return m.portal(refs[0].Name)
	}
	return nil
}

// docOnlyCheck answers a documentation-only method name with the portal's
// 404 when the portal is strict.
func docOnlyCheck(p *portal, m *method) error {
	if p != nil && p.Strict && m.docOnly {
		return methodNotFound()
	}
	return nil
}

// authWebhook checks an incoming webhook: the portal its Host names (or the
// first portal holding this user and code), HTTPS when the portal requires
// it, then the user id and code.
func (mo *model) authWebhook(req *core.Request, t target, m *method, refs []portalRef, byHost string) (*principal, error) {
	uid, convErr := strconv.ParseInt(t.userID, 10, 64)
	var found *portal
	var hook *webhook
	names := []string{byHost}
	if byHost == "" {
		names = names[:0]
		for _, r := range refs {
			names = append(names, r.Name)
		}
	}
	for _, name := range names {
		p := mo.portal(name)
		if p == nil {
			continue
		}
		if found == nil {
			found = p // the portal that answers if no webhook matches
		}
		if convErr == nil {
			if h := p.webhook(uid, t.code); h != nil {
				found, hook = p, h
				break
			}
		}
	}
	if err := docOnlyCheck(found, m); err != nil {
		return nil, err
	}
	if found != nil && found.RequireHTTPS && req.HTTP.TLS == nil {
		return nil, authError("INVALID_REQUEST", "Https required.")
	}
	if hook == nil {
		return nil, authError("INVALID_CREDENTIALS", "Invalid request credentials")
	}
	return &principal{Portal: found, UserID: uid, Webhook: true, HookCode: hook.Code, Scopes: hook.Scopes}, nil
}

// accessTokenOf finds an OAuth token where Bitrix24 looks for it: the
// Authorization: Bearer header, then the "auth" parameter, then
// "access_token" (query or body).
func accessTokenOf(req *core.Request) string {
	h := strings.TrimSpace(req.HTTP.Header.Get("Authorization"))
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		if t := strings.TrimSpace(h[7:]); t != "" {
			return t
		}
	}
	for _, name := range []string{"auth", "access_token"} {
		if v := req.Params.Lookup(name); v != nil && !v.IsTree() && v.String() != "" {
			return v.String()
		}
	}
	return ""
}

// authToken checks an OAuth access token (raw, found as tok): known, not
// expired by the emulator clock, and its application still installed on
// its portal.
func (mo *model) authToken(req *core.Request, m *method, raw string, tok *accessToken, refs []portalRef, byHost string) (*principal, error) {
	p := mo.fallbackPortal(refs, byHost)
	if tok != nil {
		p = mo.portal(tok.Portal)
	}
	if err := docOnlyCheck(p, m); err != nil {
		return nil, err
	}
	switch {
	case raw == "":
		return nil, authError("NO_AUTH_FOUND", "Wrong authorization data")
	case tok == nil || p == nil:
		return nil, authError("invalid_token", "The access token provided is invalid")
	case !req.Now.Before(tok.ExpiresAt):
		return nil, authError("expired_token", "The access token provided has expired")
	}
	a := p.app(tok.ClientID)
	if a == nil {
		return nil, authError("invalid_token", "The access token provided is invalid")
	}
	return &principal{Portal: p, UserID: tok.UserID, ClientID: a.ClientID, Scopes: a.Scopes}, nil
}

// equal compares secrets in constant time.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
