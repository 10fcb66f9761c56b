package imbox

import (
	"net/http"

	"github.com/chatemu/chatemu/internal/core"
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
