package bitrix24

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/gorilla/mux"
)

// ControlRoutes implements core.ControlProvider: views of portal state and
// the actions of the Bitrix24 UI that no REST method performs, under
// /_emulator/bitrix24/ (docs/bitrix24.md, "Control plane").
func (s *Service) ControlRoutes() []core.ControlRoute {
	get, post := []string{http.MethodGet}, []string{http.MethodPost}
	return []core.ControlRoute{
		{Name: "portals", Methods: get, Path: "/portals", Handler: withVars(s.controlPortals)},
		{Name: "chat", Methods: get, Path: "/portals/{portal}/chats/{id}", Handler: withVars(s.controlChat)},
		{Name: "chat.messages", Methods: get, Path: "/portals/{portal}/chats/{id}/messages", Handler: withVars(s.controlMessages)},
		{Name: "chat.avatar", Methods: get, Path: "/portals/{portal}/chats/{id}/avatar", Handler: withVars(s.controlAvatar)},
		{Name: "chat.session", Methods: get, Path: "/portals/{portal}/chats/{id}/session", Handler: withVars(s.controlSession)},
		{Name: "chat.session.answer", Methods: post, Path: "/portals/{portal}/chats/{id}/session/answer", Handler: withVars(s.controlAnswer)},
		{Name: "sessions.start", Methods: post, Path: "/portals/{portal}/sessions", Handler: withVars(s.controlStartSession)},
		{Name: "user.messages", Methods: get, Path: "/portals/{portal}/users/{id}/messages", Handler: withVars(s.controlUserMessages)},
		{Name: "dialog.messages", Methods: get, Path: "/portals/{portal}/dialogs/{dialog}/messages", Handler: withVars(s.controlDialogMessages)},
		{Name: "dialog.write", Methods: post, Path: "/portals/{portal}/dialogs/{dialog}/messages", Handler: withVars(s.controlWrite)},
		{Name: "message.edit", Methods: []string{http.MethodPut}, Path: "/portals/{portal}/messages/{id}", Handler: withVars(s.controlEdit)},
		{Name: "message.delete", Methods: []string{http.MethodDelete}, Path: "/portals/{portal}/messages/{id}", Handler: withVars(s.controlDelete)},
		{Name: "message.command", Methods: post, Path: "/portals/{portal}/messages/{id}/command", Handler: withVars(s.controlPress)},
	}
}

// withVars hands a control handler its path variables, decoded (the router
// matches percent-encoded paths).
func withVars(h func(*http.Request, map[string]string) (*core.Response, error)) func(*http.Request) (*core.Response, error) {
	return func(r *http.Request) (*core.Response, error) {
		vars := map[string]string{}
		for k, v := range mux.Vars(r) {
			if d, err := url.PathUnescape(v); err == nil {
				v = d
			}
			vars[k] = v
		}
		return h(r, vars)
	}
}

func badRequest(text string) *core.APIError {
	return core.VendorError(http.StatusBadRequest, "BAD_REQUEST", text)
}

func pathID(vars map[string]string) (int64, error) {
	id, err := strconv.ParseInt(vars["id"], 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("the id in the path must be a positive integer, got " + strconv.Quote(vars["id"]))
	}
	return id, nil
}

// decodeControl reads a small JSON body into v.
func decodeControl(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed JSON body: " + err.Error())
	}
	return nil
}

func (s *Service) controlPortals(*http.Request, map[string]string) (*core.Response, error) {
	names, err := s.Portals()
	if err != nil {
		return nil, err
	}
	return core.OK(map[string]any{"portals": names}), nil
}

func (s *Service) controlChat(_ *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	c, err := s.Chat(vars["portal"], id)
	if err != nil {
		return nil, err
	}
	return core.OK(c), nil
}

func (s *Service) controlMessages(_ *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	if _, err := s.Chat(vars["portal"], id); err != nil {
		return nil, err
	}
	ms, err := s.Messages(vars["portal"], id)
	if err != nil {
		return nil, err
	}
	return core.OK(map[string]any{"messages": ms}), nil
}

func (s *Service) controlAvatar(_ *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	data, mime, err := s.ChatAvatar(vars["portal"], id)
	if err != nil {
		return nil, err
	}
	return &core.Response{Status: http.StatusOK, Raw: data, ContentType: mime}, nil
}

func (s *Service) controlSession(_ *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	ss, err := s.Session(vars["portal"], id)
	if err != nil {
		return nil, err
	}
	return core.OK(ss), nil
}

func (s *Service) controlAnswer(r *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	var body struct {
		OperatorID int64 `json:"operator_id"`
	}
	if err := decodeControl(r, &body); err != nil {
		return nil, err
	}
	ss, err := s.AnswerSession(vars["portal"], id, body.OperatorID)
	if err != nil {
		return nil, err
	}
	return core.OK(ss), nil
}

func (s *Service) controlStartSession(r *http.Request, vars map[string]string) (*core.Response, error) {
	var body struct {
		LineID   int64  `json:"line_id"`
		ClientID int64  `json:"client_id"`
		Text     string `json:"text"`
	}
	if err := decodeControl(r, &body); err != nil {
		return nil, err
	}
	if body.LineID <= 0 || body.ClientID <= 0 {
		return nil, badRequest(`send {"line_id": <open line id>, "client_id": <user id>, "text": "<first message, optional>"}`)
	}
	ss, err := s.StartSession(outboxOf(r), vars["portal"], body.LineID, body.ClientID, body.Text)
	if err != nil {
		return nil, err
	}
	return core.JSON(http.StatusCreated, ss), nil
}

func (s *Service) controlUserMessages(_ *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	ms, err := s.NetworkMessages(vars["portal"], id)
	if err != nil {
		return nil, err
	}
	return core.OK(map[string]any{"messages": ms}), nil
}
