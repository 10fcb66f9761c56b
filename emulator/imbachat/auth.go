package imbachat

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/golang-jwt/jwt/v5"
)

// principal is who a request acts as: a widget, and for JWT requests the
// external-site user the token names.
type principal struct {
	Widget widget
	// JWTUser is the token's user_id claim (an external-site id); "" when
	// the request used widget credentials.
	JWTUser string
}

// loadWidget reads a widget into the principal a request will act as;
// nil when there is no such widget.
func (s *Service) loadWidget(id int64) *principal {
	p := &principal{}
	var ok bool
	s.m.db.View(func() error {
		p.Widget, ok = s.m.widgets.Get(id)
		return nil
	})
	if !ok {
		return nil
	}
	return p
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authSite checks v1 imba_rooms credentials: imba_id, login and password
// form fields (spec 1.1, "Request parameters" 1-3). Missing ones are 422,
// an unknown widget 404, wrong credentials 403.
func (s *Service) authSite(req *core.Request) error {
	var creds [3]string // imba_id, login, password
	for i, name := range [...]string{"imba_id", "login", "password"} {
		v, err := required(req, name)
		if err != nil {
			return err
		}
		creds[i] = v
	}
	id, err := intParam(req, "imba_id")
	if err != nil {
		return err
	}
	p := s.loadWidget(id)
	if p == nil {
		return errNotFound("Widget %d not found", id)
	}
	if !equal(creds[1], p.Widget.Login) || !equal(creds[2], p.Widget.Password) {
		return errForbidden("Wrong login or password of the site user")
	}
	req.Principal = p
	confirmTenant(req, p.Widget.ImbaID)
	return nil
}

// tenant is how the journal and fault rules name a widget: "widget:627".
func tenant(id int64) string { return "widget:" + strconv.FormatInt(id, 10) }

// confirmTenant makes an authenticated widget the request's tenant,
// keeping the name ClaimedTenant gave it when that is the same widget.
func confirmTenant(req *core.Request, id int64) {
	var digits [20]byte
	if claimed, ok := strings.CutPrefix(req.Tenant, "widget:"); ok && claimed == string(strconv.AppendInt(digits[:0], id, 10)) {
		return
	}
	req.Tenant = tenant(id)
}

// pathWidget loads the widget named by the v2 path ({imba_id}); nil when
// there is no such widget.
func (s *Service) pathWidget(req *core.Request) (*principal, error) {
	id, err := strconv.ParseInt(req.Vars["imba_id"], 10, 64)
	if err != nil {
		return nil, errNotFound("Widget %q not found", req.Vars["imba_id"])
	}
	return s.loadWidget(id), nil
}

// checkBasic verifies Basic imba_id:secret_key against the path widget. The
// login may be the widget id or the widget's API login.
func checkBasic(req *core.Request, p *principal) (sent bool, err error) {
	login, password, ok := req.HTTP.BasicAuth()
	if !ok {
		return false, nil
	}
	if p == nil {
		return true, errUnauthorized("Unknown widget " + req.Vars["imba_id"])
	}
	w := &p.Widget
	loginOK := login == strconv.FormatInt(w.ImbaID, 10) || (w.APILogin != "" && equal(login, w.APILogin))
	if !loginOK {
		return true, errUnauthorized(fmt.Sprintf("Basic login %q does not belong to widget %d", login, w.ImbaID))
	}
	if !equal(password, w.SecretKey) {
		return true, errUnauthorized("Wrong secret key for widget " + strconv.FormatInt(w.ImbaID, 10))
	}
	return true, nil
}

// authBasic requires Basic widget credentials (get_users, spec
// "API for getting a list of users", Authorization).
func (s *Service) authBasic(req *core.Request) error {
	return s.authWidget(req, func(*widget) error { return errUnauthorized(authenticateRequired) })
}

// authWidget checks Basic widget credentials against the path widget; a
// request without them is judged by withoutBasic.
func (s *Service) authWidget(req *core.Request, withoutBasic func(*widget) error) error {
	p, err := s.pathWidget(req)
	if err != nil {
		return err
	}
	sent, err := checkBasic(req, p)
	if err != nil {
		return err
	}
	var w *widget // nil: no such widget
	if p != nil {
		w = &p.Widget
	}
	if !sent {
		if err := withoutBasic(w); err != nil {
			return err
		}
	}
	if p == nil {
		return errUnauthorized("Unknown widget " + req.Vars["imba_id"])
	}
	req.Principal = p
	confirmTenant(req, w.ImbaID)
	return nil
}

// authBasicOrJWT takes Basic widget credentials or a "JWT" header with a
// widget user token (get_rooms and the messages list: "a successful
// response is also returned if the JWT header with a token was passed").
func (s *Service) authBasicOrJWT(req *core.Request) error {
	if req.HTTP.Header.Get("JWT") == "" {
		return s.authBasic(req)
	}
	p, err := s.pathWidget(req)
	if err != nil {
		return err
	}
	if p == nil {
		return errUnauthorized("Unknown widget " + req.Vars["imba_id"])
	}
	if p.JWTUser, err = s.verifyUserToken(req.HTTP.Header.Get("JWT"), &p.Widget); err != nil {
		return errUnauthorized("Invalid JWT: " + err.Error())
	}
	req.Principal = p
	confirmTenant(req, p.Widget.ImbaID)
	return nil
}

// authSendMsg takes Basic widget credentials or, as the send_msg text
// documents, a "password" parameter carrying the widget's secret key.
func (s *Service) authSendMsg(req *core.Request) error {
	return s.authWidget(req, func(w *widget) error {
		password, err := required(req, "password")
		if err != nil {
			return err
		}
		if w == nil {
			return errUnauthorized("Unknown widget " + req.Vars["imba_id"])
		}
		if !equal(password, w.SecretKey) {
			return errUnauthorized("Wrong password for widget " + strconv.FormatInt(w.ImbaID, 10))
		}
		return nil
	})
}

// verifyUserToken checks a widget user token: HS256 signed with the widget's
// secret key, "exp" in the future by the emulator clock, an integer
// "user_id" claim. The header may carry the raw token or "Bearer <token>".
// It returns the user id as a string.
func (s *Service) verifyUserToken(header string, w *widget) (string, error) {
	raw := strings.TrimSpace(header)
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(w.SecretKey), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.deps.Clock.Now))
	if err != nil {
		switch {
		case errors.Is(err, jwt.ErrTokenExpired):
			return "", errors.New("token expired")
		case errors.Is(err, jwt.ErrTokenSignatureInvalid):
			return "", errors.New("signature does not match the widget's secret key")
		case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
			return "", errors.New("exp claim is required")
		case errors.Is(err, jwt.ErrTokenMalformed):
			return "", errors.New("malformed token")
		}
		return "", err
	}
	switch v := claims["user_id"].(type) {
	case float64:
		if v != float64(int64(v)) {
			return "", errors.New("user_id claim must be an integer")
		}
		return strconv.FormatInt(int64(v), 10), nil
	case string:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "", errors.New("user_id claim must be an integer")
		}
		return v, nil
	default:
		return "", errors.New("user_id claim is required")
	}
}

// UserToken mints a widget user token the way ImbaChat's plugins do (HS256,
// {"exp", "user_id"}), for tests and for QA tooling.
func UserToken(secretKey string, userID int64, exp int64) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": exp, "user_id": userID})
	return t.SignedString([]byte(secretKey))
}
