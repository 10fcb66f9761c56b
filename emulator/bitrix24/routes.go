package bitrix24

import (
	"net/http"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// method is one REST method: its lower-case name, the scope it needs and
// the function computing its result.
type method struct {
	name  string
	scope string // "" for methods every credential may call (batch)
	call  func(*call) (any, error)
	// docOnly marks a name the documentation uses but a real portal does not
	// know (imopenlines.network.message.send): strict portals answer it with
	// ERROR_METHOD_NOT_FOUND.
	docOnly bool
}

// call is one method invocation: a request's, or one command of a batch.
type call struct {
	req    *core.Request
	p      *principal
	params *core.Value // the top-level parameter tree
	now    time.Time
}

// args returns the call's parameters with case-insensitive names.
func (c *call) args() args { return foldArgs(c.params) }

// methodTable is the only table of Bitrix24 methods. Each becomes a named
// route "bitrix24.<method>" (the journal, faults and schemas key on it).
func (s *Service) methodTable() []*method {
	return []*method{
		{name: "imbot.chat.add", scope: scopeIMBot, call: s.chatAdd},
		{name: "imbot.chat.get", scope: scopeIMBot, call: s.chatGet},
		{name: "imbot.chat.user.list", scope: scopeIMBot, call: s.chatUserList},
		{name: "imbot.chat.user.add", scope: scopeIMBot, call: s.chatUserAdd},
		{name: "imbot.chat.user.delete", scope: scopeIMBot, call: s.chatUserDelete},
		{name: "imbot.chat.leave", scope: scopeIMBot, call: s.chatLeave},
		{name: "imbot.chat.updatetitle", scope: scopeIMBot, call: s.chatUpdateTitle},
		{name: "imbot.chat.updatecolor", scope: scopeIMBot, call: s.chatUpdateColor},
		{name: "imbot.chat.updateavatar", scope: scopeIMBot, call: s.chatUpdateAvatar},
		{name: "imbot.chat.setowner", scope: scopeIMBot, call: s.chatSetOwner},
		{name: "imbot.dialog.get", scope: scopeIMBot, call: s.dialogGet},
		{name: "imbot.chat.sendtyping", scope: scopeIMBot, call: s.sendTyping},
		{name: "imbot.register", scope: scopeIMBot, call: s.register},
		{name: "imbot.unregister", scope: scopeIMBot, call: s.unregister},
		{name: "imbot.update", scope: scopeIMBot, call: s.update},
		{name: "imbot.bot.list", scope: scopeIMBot, call: s.botList},
		{name: "imbot.message.add", scope: scopeIMBot, call: s.messageAdd},
		{name: "imbot.message.update", scope: scopeIMBot, call: s.messageUpdate},
		{name: "imbot.message.delete", scope: scopeIMBot, call: s.messageDelete},
		{name: "imbot.message.like", scope: scopeIMBot, call: s.messageLike},
		{name: "imbot.command.register", scope: scopeIMBot, call: s.commandRegister},
		{name: "imbot.command.update", scope: scopeIMBot, call: s.commandUpdate},
		{name: "imbot.command.unregister", scope: scopeIMBot, call: s.commandUnregister},
		{name: "imbot.command.answer", scope: scopeIMBot, call: s.commandAnswer},
		{name: "imopenlines.network.join", scope: scopeOpenLines, call: s.networkJoin},
		{name: "imopenlines.network.message.add", scope: scopeOpenLines, call: s.networkMessageAdd},
		{name: "imopenlines.network.message.send", scope: scopeOpenLines, call: s.networkMessageAdd, docOnly: true},
		{name: "imopenlines.bot.session.operator", scope: scopeOpenLines, call: s.sessionOperator},
		{name: "imopenlines.bot.session.transfer", scope: scopeOpenLines, call: s.sessionTransfer},
		{name: "imopenlines.bot.session.finish", scope: scopeOpenLines, call: s.sessionFinish},
		{name: "imopenlines.bot.session.message.send", scope: scopeOpenLines, call: s.sessionMessageSend},
		{name: "imopenlines.revision.get", scope: scopeOpenLines, call: s.revisionGet},
		{name: "batch", call: s.batch},
	}
}

// restPath is the template of the REST entry point: anything under /rest/
// as sent (the router does not clean paths, so "/rest//method" arrives as
// it is); the method table names the operation.
const restPath = "/rest/{path:.*}"

// Routes is Bitrix24's route table: the REST entry point, whose Dispatch
// names the method a path asks for ("bitrix24.<method>", the name the
// journal, faults and schemas key on), and the OAuth token endpoint the
// SDKs refresh tokens at.
func (s *Service) Routes() []core.Route {
	return []core.Route{{
		Name:     vendorName + ".rest",
		Path:     restPath,
		Dispatch: s.dispatch,
	}, {
		Name:    vendorName + ".oauth.token",
		Path:    oauthPath,
		Handler: s.oauthEndpoint,
	}}
}

// oauthPath is every path the emulator sends to Bitrix24 under the OAuth
// server's prefix: /oauth/token and /oauth/token/ are the token endpoint,
// anything else there (/oauth/token//, /oauth/token/%00, /oauth/tokens)
// is answered by the OAuth server too, in its own error format.
const oauthPath = "/oauth/token{rest:.*}"

// oauthEndpoint serves the paths under oauthPath: the token endpoint for
// GET and POST on /oauth/token[/], else the OAuth server's invalid_request
// (404 for a path it does not serve, 405 for another HTTP method).
func (s *Service) oauthEndpoint(req *core.Request) (*core.Response, error) {
	if rest := req.Vars["rest"]; rest != "" && rest != "/" {
		return nil, oauthError(http.StatusNotFound, "invalid_request",
			"Unknown OAuth endpoint: tokens are refreshed at /oauth/token/")
	}
	if m := req.HTTP.Method; m != http.MethodGet && m != http.MethodPost {
		return nil, oauthError(http.StatusMethodNotAllowed, "invalid_request",
			"The token endpoint takes GET or POST").WithHeader("Allow", "GET, POST")
	}
	return s.oauthToken(req)
}

// dispatch is the route of the method a REST path names, nil for an
// unknown one.
func (s *Service) dispatch(r *http.Request, _ map[string]string) *core.Route {
	t, ok := parseRESTPath(r.URL.Path)
	if !ok {
		return nil
	}
	return s.routes[t.method]
}

// Operations implements core.OperationLister: the methods' route names,
// in the method table's order, and the OAuth token endpoint.
func (s *Service) Operations() []string {
	var out []string
	for _, m := range s.methodTable() {
		out = append(out, vendorName+"."+m.name)
	}
	return append(out, vendorName+".oauth.token")
}

// methodRoutes are the methods' routes by lower-case method name.
func (s *Service) methodRoutes() map[string]*core.Route {
	out := map[string]*core.Route{}
	for name, m := range s.methods {
		out[name] = &core.Route{Name: vendorName + "." + m.name, Auth: s.authFor(m), Handler: s.serve(m)}
	}
	return out
}

// target is what a REST path names: a method, and for a webhook the user id
// and code.
type target struct {
	method  string // lower-case, without ".json"
	webhook bool
	userID  string
	code    string
}

// parseRESTPath reads /rest/{method}[.json][/] and
// /rest/{user_id}/{code}/{method}[.json][/]. Repeated slashes are
// collapsed (the JS SDK's OAuth mode sends /rest//method) and the method
// is lower-cased, as Bitrix24 does.
func parseRESTPath(p string) (target, bool) {
	rest, ok := strings.CutPrefix(p, "/rest/")
	if !ok {
		return target{}, false
	}
	var segs [4]string
	n := 0
	for rest != "" {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if seg == "" {
			continue
		}
		if n == len(segs) {
			return target{}, false
		}
		segs[n] = seg
		n++
	}
	var t target
	switch n {
	case 1:
		t.method = segs[0]
	case 3:
		t.webhook, t.userID, t.code, t.method = true, segs[0], segs[1], segs[2]
	default:
		return target{}, false
	}
	t.method = strings.ToLower(t.method)
	t.method = strings.TrimSuffix(t.method, ".json")
	return t, t.method != ""
}

// serve runs a method for a request and wraps its result in the success
// envelope, timed by the emulator clock.
func (s *Service) serve(m *method) core.HandlerFunc {
	return func(req *core.Request) (*core.Response, error) {
		c := &call{req: req, p: req.Principal.(*principal), params: req.Params.Root(), now: req.Now}
		result, err := m.call(c)
		if err != nil {
			return nil, err
		}
		return encodeSuccess(result, newTimeBlock(req.Now, s.deps.Clock.Now())), nil
	}
}
