package bitrix24

import (
	"crypto/subtle"
	"net"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/emulator/core"
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

// authFor is the auth phase of a method route, in the server's order: the
// method is known (unknown ones never reach a route, so they get
// ERROR_METHOD_NOT_FOUND before any credential check), the credentials are
// checked (every failure 401), then the scope, then the portal's request
// limit.
func (s *Service) authFor(m *method) core.AuthFunc {
	return func(req *core.Request) error {
		t, _ := parseRESTPath(req.HTTP.URL.Path)
		p, err := s.authenticate(req, t, m)
		if err != nil {
			return err
		}
		req.Tenant, req.Principal = tenant(p.Portal.Name), p
		if !p.hasScope(m.scope) {
			return p.insufficientScope()
		}
		return s.throttle(p.Portal, req.Now)
	}
}

// authenticate finds the portal and the credential of a request.
func (s *Service) authenticate(req *core.Request, t target, m *method) (*principal, error) {
	c, err := s.snapshot()
	if err != nil {
		return nil, err
	}
	refs, portals, bots := c.view()
	byHost := portalByHost(refs, req.HTTP.Host)
	var p *principal
	if t.webhook {
		p, err = authWebhook(req, t, m, refs, portals, byHost)
	} else {
		p, err = s.authToken(req, m, refs, portals, byHost)
	}
	if p != nil {
		p.Bots = bots[p.Portal.Name]
	}
	return p, err
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
func fallbackPortal(refs []portalRef, portals map[string]*portal, byHost string) *portal {
	switch {
	case byHost != "":
		return portals[byHost]
	case len(refs) > 0:
		return portals[refs[0].Name]
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
func authWebhook(req *core.Request, t target, m *method, refs []portalRef, portals map[string]*portal, byHost string) (*principal, error) {
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
		p := portals[name]
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
	return &principal{Portal: found, UserID: uid, Webhook: true, Scopes: hook.Scopes}, nil
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

// authToken checks an OAuth access token: known, not expired by the
// emulator clock, and its application still installed on its portal.
func (s *Service) authToken(req *core.Request, m *method, refs []portalRef, portals map[string]*portal, byHost string) (*principal, error) {
	raw := accessTokenOf(req)
	var tok *accessToken
	if raw != "" {
		if err := s.deps.Store.View(func(tx *core.Tx) error {
			var err error
			tok, err = getDoc[accessToken](tx, tokenKey(raw))
			return err
		}); err != nil {
			return nil, err
		}
	}
	p := fallbackPortal(refs, portals, byHost)
	if tok != nil {
		p = portals[tok.Portal]
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
