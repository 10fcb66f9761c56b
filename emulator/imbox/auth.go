package imbox

import (
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
)

// principal is the account a request acts for.
type principal struct {
	Account *account
}

func tenant(sid int64) string { return "account:" + strconv.FormatInt(sid, 10) }

// authAccount checks the {apiKey} and {userId} path segments every chat
// endpoint starts with (spec "Chat", every "Parameters" table: apiKey*,
// userId*). An unknown key is 401; a userId that is not a number is 400; a
// key sent with another account's userId is 403 (docs/fidelity.md).
func (s *Service) authAccount(req *core.Request) error {
	apiKey, err := pathVar(req, "apiKey")
	if err != nil {
		return err
	}
	var a *authed
	_ = s.view(func(m *model) error {
		a = m.authedBy(apiKey)
		return nil
	})
	if a == nil {
		return errInvalidKey()
	}
	acc := a.principal.Account
	userID, err := pathVar(req, "userId")
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return errInvalid("userId", userID, "a number")
	}
	if sid != acc.SID {
		return errWrongUser(userID)
	}
	req.Tenant, req.Principal = a.tenant, a.principal
	return nil
}

// authed is what authAccount establishes for an API key, kept in the
// model beside the account (replaced when the account changes) and shared
// by every request that sends the key: nothing changes it.
type authed struct {
	tenant    string
	principal *principal
}

// sidOf is the authenticated account of a request.
func sidOf(req *core.Request) int64 { return req.Principal.(*principal).Account.SID }
