package imbachat

import (
	"net/http"

	"github.com/chatemu/chatemu/internal/core"
)

// Routes is ImbaChat's only route table. Every route is named
// "imbachat.<operation>"; faults, the journal and schemas key on the name.
func (s *Service) Routes() []core.Route {
	post := []string{http.MethodPost}
	return []core.Route{
		{Name: "imbachat.imba_rooms", Methods: post, Path: "/imbachat/v1/widget/imba_rooms", Auth: s.authSite, Handler: s.imbaRooms},
		{Name: "imbachat.get_users", Methods: post, Path: "/imbachat/v2/{imba_id}/get_users", Auth: s.authBasic, Handler: s.getUsers},
		{Name: "imbachat.get_rooms", Methods: post, Path: "/imbachat/v2/{imba_id}/get_rooms", Auth: s.authBasicOrJWT, Handler: s.getRooms},
		{Name: "imbachat.get_messages", Methods: post, Path: "/imbachat/v2/{imba_id}/get_messages", Auth: s.authBasicOrJWT, Handler: s.getMessages},
		{Name: "imbachat.send_msg", Methods: post, Path: "/imbachat/v2/{imba_id}/send_msg", Auth: s.authSendMsg, Handler: s.sendMsg},
	}
}
