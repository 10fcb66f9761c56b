package bitrix24

import (
	"net/http"
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
)

// The control routes of people in the chat (people.go): write, read,
// edit, delete, press a button. JSON in and out.

// outboxOf is the control action's outbox, submitted once the action has
// been answered. An action requested by the event sender itself (a
// handler URL pointing at this control plane) gets one nobody submits: its
// events are dropped, the loop guard of callEvents.
func outboxOf(r *http.Request) *outbound.Outbox {
	if fromEventSender(r) {
		return outbound.NewOutbox(outbound.OriginOf(r))
	}
	return outbound.FromContext(r.Context())
}

// controlWrite serves POST …/dialogs/{dialog}/messages {"from", "text"}:
// 201 and the message.
func (s *Service) controlWrite(r *http.Request, vars map[string]string) (*core.Response, error) {
	var body struct {
		From int64  `json:"from"`
		Text string `json:"text"`
	}
	if err := decodeControl(r, &body); err != nil {
		return nil, err
	}
	if body.From <= 0 {
		return nil, badRequest(`send {"from": <user id>, "text": "<message>"}`)
	}
	m, err := s.Write(outboxOf(r), vars["portal"], vars["dialog"], body.From, body.Text)
	if err != nil {
		return nil, err
	}
	return core.JSON(http.StatusCreated, m), nil
}

// controlDialogMessages serves GET …/dialogs/{dialog}/messages[?from=]:
// {"messages": [...]}, oldest first.
func (s *Service) controlDialogMessages(r *http.Request, vars map[string]string) (*core.Response, error) {
	var from int64
	if v := r.URL.Query().Get("from"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, badRequest("from must be a user id, got " + strconv.Quote(v))
		}
		from = n
	}
	ms, err := s.DialogMessages(vars["portal"], vars["dialog"], from)
	if err != nil {
		return nil, err
	}
	return core.OK(map[string]any{"messages": ms}), nil
}

// controlEdit serves PUT …/messages/{id} {"text"}: the edited message.
func (s *Service) controlEdit(r *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := decodeControl(r, &body); err != nil {
		return nil, err
	}
	m, err := s.EditMessage(outboxOf(r), vars["portal"], id, body.Text)
	if err != nil {
		return nil, err
	}
	return core.OK(m), nil
}

// controlDelete serves DELETE …/messages/{id}: {"id": id, "deleted": true}.
func (s *Service) controlDelete(r *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	if err := s.DeleteMessage(outboxOf(r), vars["portal"], id); err != nil {
		return nil, err
	}
	return core.OK(map[string]any{"id": id, "deleted": true}), nil
}

// controlPress serves POST …/messages/{id}/command {"from", "command",
// "params"}: what the press ran.
func (s *Service) controlPress(r *http.Request, vars map[string]string) (*core.Response, error) {
	id, err := pathID(vars)
	if err != nil {
		return nil, err
	}
	var body struct {
		From    int64   `json:"from"`
		Command string  `json:"command"`
		Params  *string `json:"params"`
	}
	if err := decodeControl(r, &body); err != nil {
		return nil, err
	}
	if body.From <= 0 || body.Command == "" {
		return nil, badRequest(`send {"from": <user id>, "command": "<button COMMAND>", "params": "<optional>"}`)
	}
	v, err := s.Press(outboxOf(r), vars["portal"], id, body.From, body.Command, body.Params)
	if err != nil {
		return nil, err
	}
	return core.OK(v), nil
}
