package imbox

import (
	"net/http"

	"github.com/chatemu/chatemu/emulator/core"
)

// Routes is ImBox's only API route table. Every route is named
// "imbox.<operation>"; faults, the journal and schemas key on the name.
func (s *Service) Routes() []core.Route {
	get := []string{http.MethodGet}
	const account = "/{apiKey}/{userId}"
	return []core.Route{
		{Name: "imbox.listConversations", Methods: get, Path: "/message/listConversations" + account + "/{fromDate}/{toDate}", Auth: s.authAccount, Handler: s.listConversations},
		{Name: "imbox.grabConversation", Methods: get, Path: "/message/grabConversation" + account + "/{conversationId}", Auth: s.authAccount, Handler: s.grabConversation},
		{Name: "imbox.grabVisitorInfo", Methods: get, Path: "/message/grabVisitorInfo" + account + "/{conversationId}", Auth: s.authAccount, Handler: s.grabVisitorInfo},
		{Name: "imbox.grabVisitorTags", Methods: get, Path: "/message/grabVisitorTags" + account + "/{conversationId}", Auth: s.authAccount, Handler: s.grabVisitorTags},
		{Name: "imbox.grabVisitorLabels", Methods: get, Path: "/message/grabVisitorLabels" + account + "/{conversationId}", Auth: s.authAccount, Handler: s.grabVisitorLabels},
		{Name: "imbox.grabVisitorCards", Methods: get, Path: "/message/grabVisitorCards" + account + "/{conversationId}", Auth: s.authAccount, Handler: s.grabVisitorCards},
		{Name: "imbox.grabAgent", Methods: get, Path: "/message/grabAgent" + account + "/{agentId}", Auth: s.authAccount, Handler: s.grabAgent},
		{Name: "imbox.grabAgents", Methods: get, Path: "/message/grabAgents" + account, Auth: s.authAccount, Handler: s.grabAgents},
		{Name: "imbox.chatStatistics", Methods: get, Path: "/message/chatStatistics" + account, Auth: s.authAccount, Handler: s.chatStatistics},
		{Name: "imbox.pageFilters", Methods: get, Path: "/message/pageFilters" + account, Auth: s.authAccount, Handler: s.pageFilters},
	}
}

// ControlRoutes implements core.ControlProvider: what the ImBox widget and
// agent desk do, mounted under /_emulator/imbox (docs/imbox.md).
func (s *Service) ControlRoutes() []core.ControlRoute {
	post, put, patch := []string{http.MethodPost}, []string{http.MethodPut}, []string{http.MethodPatch}
	const conv = "/{sid}/conversations/{conversationId}"
	return []core.ControlRoute{
		{Name: "startConversation", Methods: post, Path: "/{sid}/conversations", Handler: s.startConversation},
		{Name: "postMessage", Methods: post, Path: conv + "/messages", Handler: s.postMessage},
		{Name: "visit", Methods: post, Path: conv + "/visits", Handler: s.visit},
		{Name: "setVisitorInfo", Methods: patch, Path: conv + "/visitor", Handler: s.setVisitorInfo},
		{Name: "addTag", Methods: post, Path: conv + "/tags", Handler: s.addTag},
		{Name: "changeName", Methods: put, Path: conv + "/name", Handler: s.changeName},
		{Name: "addLabel", Methods: post, Path: conv + "/labels", Handler: s.addLabel},
		{Name: "insertCard", Methods: post, Path: conv + "/cards", Handler: s.insertCard},
		{Name: "rate", Methods: put, Path: conv + "/rating", Handler: s.rate},
	}
}
