package imbox

import (
	"strconv"

	"github.com/chatemu/chatemu/emulator/core"
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
	var acc *account
	err = s.deps.Store.View(func(tx *core.Tx) error {
		var err error
		acc, err = accountByKey(tx, apiKey)
		return err
	})
	if err != nil {
		return err
	}
	if acc == nil {
		return errInvalidKey()
	}
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
	req.Tenant, req.Principal = tenant(acc.SID), &principal{Account: acc}
	return nil
}

// sidOf is the authenticated account of a request.
func sidOf(req *core.Request) int64 { return req.Principal.(*principal).Account.SID }
