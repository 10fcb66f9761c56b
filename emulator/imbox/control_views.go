package imbox

import (
	"net/http"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// viewRoutes are read-only control views the dashboard shows beside the
// stored documents (docs/imbox.md, "Shaping data").
func (s *Service) viewRoutes() []core.ControlRoute {
	return []core.ControlRoute{
		{Name: "statistics", Methods: []string{http.MethodGet}, Path: "/{sid}/statistics", Handler: s.controlStatistics},
	}
}

// defaultStatisticsSpan is the range the statistics view covers when the
// request names no start.
const defaultStatisticsSpan = 30 * 24 * time.Hour

// controlStatistics is GET /_emulator/imbox/{sid}/statistics?from=&to=:
// chatStatistics' rows (the API's "chatStatistics", computed the same way)
// of the conversations started between from and to, both RFC 3339 and
// included; to defaults to the emulator clock, from to 30 days before it.
// The range is at most 365 days, as the API's.
func (s *Service) controlStatistics(r *http.Request) (*core.Response, error) {
	sid, err := deskAccount(s.m, r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	to := instant(s.deps.Clock.Now())
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return nil, errInvalid("to", v, "an RFC 3339 time such as 2020-01-01T00:00:00.000Z")
		}
	}
	from := to.Add(-defaultStatisticsSpan)
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return nil, errInvalid("from", v, "an RFC 3339 time such as 2020-01-01T00:00:00.000Z")
		}
	}
	if to.Before(from) {
		return nil, errBadRequest("to %s is before from %s", formatDate(to), formatDate(from))
	}
	if to.Sub(from) > maxStatisticsSpan {
		return nil, errSpanTooLong()
	}
	rows := []statRow{}
	_ = s.view(func(m *model) error {
		m.eachConversation(sid, from, to.Add(time.Millisecond), func(c *conversation) bool {
			rows = append(rows, statistics(m, c, m.messagesOf(c.ID)))
			return true
		})
		return nil
	})
	return core.OK(map[string]any{"from": formatDate(from), "to": formatDate(to), "rows": rows}), nil
}
