package bitrix24

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// documented is every error code the emulated Bitrix24 answers, with the
// status and text it answers it with (for codes with several texts, the
// most general one), so that a fault scenario can ask for a real Bitrix24
// error by its code.
var documented = map[string]struct {
	status int
	text   string
}{
	// transport and auth (reference §3.1)
	"ERROR_METHOD_NOT_FOUND":  {http.StatusNotFound, "Method not found!"},
	"NO_AUTH_FOUND":           {http.StatusUnauthorized, "Wrong authorization data"},
	"INVALID_CREDENTIALS":     {http.StatusUnauthorized, "Invalid request credentials"},
	"INVALID_REQUEST":         {http.StatusUnauthorized, "Https required."},
	"expired_token":           {http.StatusUnauthorized, "The access token provided has expired"},
	"invalid_token":           {http.StatusUnauthorized, "The access token provided is invalid"},
	"insufficient_scope":      {http.StatusUnauthorized, "The request requires higher privileges than provided by the webhook token"},
	"user_access_error":       {http.StatusUnauthorized, "The user does not have access to the application."},
	"OVERLOAD_LIMIT":          {http.StatusUnauthorized, "REST API is blocked due to overload."},
	"QUERY_LIMIT_EXCEEDED":    {http.StatusServiceUnavailable, "Too many requests"},
	"OPERATION_TIME_LIMIT":    {http.StatusTooManyRequests, "Method is blocked due to operation time limit."},
	"INTERNAL_SERVER_ERROR":   {http.StatusInternalServerError, "Internal server error"},
	"ERROR_UNEXPECTED_ANSWER": {http.StatusInternalServerError, "Server returned an unexpected response"},
	"PORTAL_DELETED":          {http.StatusForbidden, "Portal was deleted"},
	"ACCESS_DENIED":           {http.StatusForbidden, "Access denied! Client ID not specified"},
	// imbot.chat.*, imbot.dialog.get
	"CHAT_ID_EMPTY":   {http.StatusBadRequest, "Chat ID can't be empty"},
	"USER_ID_EMPTY":   {http.StatusBadRequest, "User ID can't be empty"},
	"DIALOG_ID_EMPTY": {http.StatusBadRequest, "Dialog ID can't be empty"},
	"BOT_ID_ERROR":    {http.StatusBadRequest, "Bot not found"},
	"APP_ID_ERROR":    {http.StatusBadRequest, "Bot was installed by another rest application"},
	"ACCESS_ERROR":    {http.StatusForbidden, "Action unavailable"},
	"USERS_EMPTY":     {http.StatusBadRequest, "No chat participants"},
	"INVALID_FORMAT":  {http.StatusBadRequest, "Parameter USERS has wrong type"},
	"TITLE_EMPTY":     {http.StatusBadRequest, "Title can't be empty"},
	"WRONG_COLOR":     {http.StatusBadRequest, "This color currently unavailable"},
	"AVATAR_ERROR":    {http.StatusBadRequest, "Avatar incorrect type"},
	"WRONG_REQUEST":   {http.StatusBadRequest, "Something went wrong"},
	// imopenlines.*
	"CODE":               {http.StatusBadRequest, "You entered an invalid code"},
	"CODE_ERROR":         {http.StatusBadRequest, "Open Channel code is incorrect"},
	"IMBOT_ERROR":        {http.StatusBadRequest, "Module IMBOT is not installed"},
	"NOT_FOUND":          {http.StatusBadRequest, "Line not found"},
	"INACTIVE":           {http.StatusBadRequest, "Openline is inactive"},
	"MESSAGE_EMPTY":      {http.StatusBadRequest, "Message can't be empty"},
	"ATTACH_ERROR":       {http.StatusBadRequest, "Incorrect attach params"},
	"ATTACH_OVERSIZE":    {http.StatusBadRequest, "You have exceeded the maximum allowable size of attach"},
	"KEYBOARD_ERROR":     {http.StatusBadRequest, "Incorrect keyboard params"},
	"KEYBOARD_OVERSIZE":  {http.StatusBadRequest, "You have exceeded the maximum allowable size of keyboard"},
	"USER_MESSAGE_LIMIT": {http.StatusBadRequest, "You cant send more than one message per week to each user."},
	"WRONG_CHAT":         {http.StatusBadRequest, "Operator is not a bot"},
	"QUEUE_ID_EMPTY":     {http.StatusBadRequest, "QUEUE ID can't be empty"},
	"TRANSFER_ID_EMPTY":  {http.StatusBadRequest, "Queue ID or User ID can't be empty"},
	"OPERATOR_WRONG":     {http.StatusBadRequest, "You can not redirect to this operator"},
	"WRONG_AUTH_TYPE":    {http.StatusForbidden, "Access for this method not allowed by session authorization."},
	// batch
	"ERROR_BATCH_LENGTH_EXCEEDED":    {http.StatusBadRequest, "Max batch length exceeded"},
	"ERROR_BATCH_METHOD_NOT_ALLOWED": {http.StatusMethodNotAllowed, "Method is not allowed for batch usage"},
}

// FaultError returns Bitrix24's error for a code, with the status and text
// the emulator answers it with; false for a code it does not know. It lets
// the fault engine inject real Bitrix24 errors by code.
func (s *Service) FaultError(code string) (*core.APIError, bool) {
	d, ok := documented[code]
	if !ok {
		return nil, false
	}
	return core.VendorError(d.status, code, d.text), true
}

// RateLimitError is Bitrix24's answer to a client over the request limit:
// 503 QUERY_LIMIT_EXCEEDED.
func (s *Service) RateLimitError() *core.APIError { return errQueryLimit() }

// ClaimedTenant names the portal a request claims to act for, before its
// credentials are checked: the portal its Host names, else the first portal
// holding its webhook, else the portal of its access token; "" when none.
// What it finds of the credentials stays in Request.Claim for the route's
// auth, so that a request's credentials are read once.
func (s *Service) ClaimedTenant(req *core.Request) string {
	cl := s.resolve(req, s.methods[strings.TrimPrefix(req.Route, vendorName+".")])
	req.Claim = cl
	return cl.tenant
}

// claimedTenant is ClaimedTenant over what resolve read: the portal
// index, the Host's portal, the path and the access token.
func (m *model) claimedTenant(refs []portalRef, byHost string, t target, pathOK bool, tok *accessToken) string {
	switch {
	case byHost != "":
		return tenant(byHost)
	case !pathOK:
		return ""
	case t.webhook:
		uid, err := strconv.ParseInt(t.userID, 10, 64)
		if err != nil {
			return ""
		}
		for _, r := range refs {
			if p, ok := m.portals.Get(r.Name); ok && p.webhook(uid, t.code) != nil {
				return tenant(p.Name)
			}
		}
		return ""
	case tok != nil:
		return tenant(tok.Portal)
	}
	return ""
}
