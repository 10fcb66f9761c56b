package bitrix24

// revision is imopenlines.revision.get's answer: the Open Channels API
// revisions (server module revision.php).
type revision struct {
	REST   int `json:"rest"`
	Web    int `json:"web"`
	Mobile int `json:"mobile"`
}

// revisionGet implements imopenlines.revision.get ("Get information on
// current API revision"): the platform's revisions, no parameters.
func (s *Service) revisionGet(*call) (any, error) {
	return revision{REST: 2, Web: 1, Mobile: 1}, nil
}
