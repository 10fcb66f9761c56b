package bitrix24

import (
	"net/http"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// oauthServerDomain is the "domain" of a refresh answer: the authorization
// server's domain, not the portal's ("OAuth 2.0 protocol" and "Automatic
// renewal of OAuth 2.0 tokens", the answer examples).
const oauthServerDomain = "oauth.bitrix.info"

// tokenAnswer is the OAuth server's answer to a token refresh, in the shape
// oauth.bitrix.info gives and the SDKs read.
type tokenAnswer struct {
	AccessToken    string `json:"access_token"`
	Expires        int64  `json:"expires"`
	ExpiresIn      int64  `json:"expires_in"`
	Scope          string `json:"scope"`
	Domain         string `json:"domain"`
	ServerEndpoint string `json:"server_endpoint"`
	Status         string `json:"status"`
	ClientEndpoint string `json:"client_endpoint"`
	MemberID       string `json:"member_id"`
	UserID         int64  `json:"user_id"`
	RefreshToken   string `json:"refresh_token"`
}

func oauthError(status int, code, text string) *core.APIError {
	return core.VendorError(status, code, text)
}

// oauthToken implements the OAuth token refresh the SDKs call ("OAuth 2.0
// protocol", refresh_token grant): GET or POST /oauth/token/ with
// grant_type=refresh_token, client_id, client_secret and refresh_token, in
// the query or a form body. The chatemu server plays oauth.bitrix.info:
// "domain" names that server, as the real answer does, while
// server_endpoint and client_endpoint point back at chatemu (the SDKs
// refresh at server_endpoint and call methods at client_endpoint). The new
// access token lives the application's token_lifetime (default one hour)
// on the emulator clock; the refresh token is spent and a new pair issued.
// The access token the pair replaces stops working, and the portal's
// expired access tokens are dropped, so that refreshing never grows the
// state.
func (s *Service) oauthToken(req *core.Request) (*core.Response, error) {
	get := func(name string) string { return req.Params.Root().Lookup(name).String() }
	if get("grant_type") != "refresh_token" {
		return nil, oauthError(http.StatusBadRequest, "unsupported_grant_type",
			"The authorization grant type is not supported by the authorization server")
	}
	clientID, secret, refresh := get("client_id"), get("client_secret"), get("refresh_token")
	if clientID == "" || refresh == "" {
		return nil, oauthError(http.StatusBadRequest, "invalid_request", "client_id and refresh_token are required")
	}
	base := endpointBase(req.HTTP)
	var answer tokenAnswer
	err := s.m.db.Update(func(tx *state.Tx) error {
		rt, ok := s.m.refreshes.Get(refresh)
		if !ok {
			return oauthError(http.StatusBadRequest, "invalid_grant", "The refresh token is invalid")
		}
		p := s.m.portal(rt.Portal)
		var a *app
		if p != nil {
			a = p.app(clientID)
		}
		if a == nil || !equal(a.ClientSecret, secret) {
			return oauthError(http.StatusUnauthorized, "invalid_client", "The client credentials are invalid")
		}
		if rt.ClientID != clientID {
			return oauthError(http.StatusBadRequest, "invalid_grant", "The refresh token was issued to another client")
		}
		now := s.deps.Clock.Now()
		t := accessToken{Token: strings.ToLower(s.deps.Random.Alphanumeric(40)), Portal: p.Name, ClientID: a.ClientID,
			UserID: rt.UserID, ExpiresAt: now.Add(time.Duration(a.TokenLifetime) * time.Second)}
		t.RefreshToken = strings.ToLower(s.deps.Random.Alphanumeric(40))
		s.m.refreshes.Delete(tx, refresh)
		s.m.dropTokens(tx, p.Name, refresh, now)
		s.m.tokens.Put(tx, t)
		s.m.refreshes.Put(tx, refreshToken{Token: t.RefreshToken, Portal: p.Name, ClientID: a.ClientID, UserID: rt.UserID})
		req.Tenant = tenant(p.Name)
		answer = tokenAnswer{AccessToken: t.Token, Expires: t.ExpiresAt.Unix(), ExpiresIn: a.TokenLifetime,
			Scope: strings.Join(a.Scopes, ","), Domain: oauthServerDomain, ServerEndpoint: base + "/rest/", Status: "L",
			ClientEndpoint: base + "/rest/", MemberID: p.MemberID, UserID: rt.UserID, RefreshToken: t.RefreshToken}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return encode(http.StatusOK, answer), nil
}

// endpointBase is how the client reached this server: scheme and host.
func endpointBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// dropTokens deletes a portal's access tokens that a refresh makes useless:
// the one issued with the refresh token being spent (the pair it replaces)
// and those expired by now. Refresh tokens are kept: they outlive their
// access tokens.
func (m *model) dropTokens(tx *state.Tx, portal, spent string, now time.Time) {
	var drop []string
	m.tokens.Each(func(t accessToken) bool {
		if t.Portal == portal && (t.RefreshToken == spent || !now.Before(t.ExpiresAt)) {
			drop = append(drop, t.Token)
		}
		return true
	})
	for _, tok := range drop {
		m.tokens.Delete(tx, tok)
	}
}
