package imbox

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// maxStatisticsSpan is chatStatistics' documented limit: "Maximum 365 days
// per request".
const maxStatisticsSpan = 365 * 24 * time.Hour

// statRow is one conversation as chatStatistics shows it, keys in the
// order of the documentation's first row. duration, rating and
// responseTime are null when there is nothing to measure.
type statRow struct {
	Channel      string   `json:"channel"`
	AgentName    string   `json:"agentName"`
	AgentEmail   string   `json:"agentEmail"`
	Referral     string   `json:"referral"`
	SearchEngine string   `json:"searchEngine"`
	ExitPage     string   `json:"exitPage"`
	Browser      string   `json:"browser"`
	OS           string   `json:"os"`
	City         string   `json:"city"`
	Country      string   `json:"country"`
	Labels       []string `json:"labels"`
	Tags         []string `json:"tags"`
	Duration     *int64   `json:"duration"`
	Rating       *int     `json:"rating"`
	ResponseTime *int64   `json:"responseTime"`
	StartedAt    string   `json:"startedAt"`

	started time.Time // for the CSV, rendered in the request's timezone
	agentID int64     // the answering agent, 0 when none answered
}

// csvHeader is the CSV export's header row: the JSON keys, in their order.
var csvHeader = []string{"channel", "agentName", "agentEmail", "referral", "searchEngine", "exitPage",
	"browser", "os", "city", "country", "labels", "tags", "duration", "rating", "responseTime", "startedAt"}

// statsQuery is a validated chatStatistics request.
type statsQuery struct {
	start, end    time.Time // both included
	loc           *time.Location
	csv           bool
	agents        map[int64]bool  // nil: any
	channels      map[string]bool // nil: any
	pageFilterIDs []int64
}

func parseStatsQuery(req *core.Request) (*statsQuery, error) {
	q := &statsQuery{loc: time.UTC}
	if tz, ok, err := single(req, "timezone"); err != nil {
		return nil, err
	} else if ok {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return nil, errInvalid("timezone", tz, "an IANA time zone name such as Europe/Stockholm")
		}
		q.loc = loc
	}
	if ft, ok, err := single(req, "fileType"); err != nil {
		return nil, err
	} else if ok {
		switch strings.ToLower(ft) {
		case "json":
		case "csv":
			q.csv = true
		default:
			return nil, errInvalid("fileType", ft, "json or csv")
		}
	}
	startS, ok, err := single(req, "startTime")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errRequired("startTime")
	}
	if q.start, err = parseTime("startTime", startS, q.loc); err != nil {
		return nil, err
	}
	q.end = instant(req.Now)
	if endS, ok, err := single(req, "endTime"); err != nil {
		return nil, err
	} else if ok {
		if q.end, err = parseTime("endTime", endS, q.loc); err != nil {
			return nil, err
		}
	}
	if q.end.Before(q.start) {
		return nil, errBadRequest("endTime %s is before startTime %s", formatDate(q.end), formatDate(q.start))
	}
	if q.end.Sub(q.start) > maxStatisticsSpan {
		return nil, errSpanTooLong()
	}
	agentIDs, err := numericList(req, "agentId", "agentIds")
	if err != nil {
		return nil, err
	}
	if len(agentIDs) > 0 {
		q.agents = map[int64]bool{}
		for _, id := range agentIDs {
			q.agents[id] = true
		}
	}
	if chans := list(req, "channel", "channels"); len(chans) > 0 {
		q.channels = map[string]bool{}
		for _, c := range chans {
			q.channels[c] = true
		}
	}
	if q.pageFilterIDs, err = numericList(req, "pageFilterId"); err != nil {
		return nil, err
	}
	return q, nil
}

// chatStatistics implements "chatStatistics": one row per conversation
// started between startTime and endTime (both included; endTime defaults
// to now), computed from the stored messages, narrowed by agentId/agentIds
// (the answering agent), channel/channels and pageFilterId, as JSON or as
// CSV (fileType=csv).
func (s *Service) chatStatistics(req *core.Request) (*core.Response, error) {
	q, err := parseStatsQuery(req)
	if err != nil {
		return nil, err
	}
	sid := sidOf(req)
	var rows []statRow
	_ = s.view(func(m *model) error {
		filters := s.pageFilterSet(m, sid, q.pageFilterIDs)
		m.eachConversation(sid, q.start, q.end.Add(time.Millisecond), func(c *conversation) bool {
			if (q.channels != nil && !q.channels[c.Channel]) || !filters.match(c.Pages) {
				return true
			}
			row := statistics(m, c, m.messagesOf(c.ID))
			// An unanswered row has no agent: agentId=0 (the visitors'
			// agentID) selects nothing.
			if q.agents == nil || (row.agentID != 0 && q.agents[row.agentID]) {
				rows = append(rows, row)
			}
			return true
		})
		return nil
	})
	if q.csv {
		return csvResponse(rows, q.loc)
	}
	return success(rows), nil
}

// statistics computes a conversation's row. The chat is answered by the
// first agent message dated at or after the visitor's first message:
// responseTime runs from that visitor message to the answer, duration from
// the conversation's start to its last visitor or agent message. Without
// an answer both are null and the agent is empty.
func statistics(m *model, c *conversation, ms []*message) statRow {
	v := c.info()
	row := statRow{Channel: c.Channel, Referral: v.TrafficType, SearchEngine: v.SEType, ExitPage: v.ExitPage,
		Browser: v.Browser, OS: v.OS, City: v.City, Country: v.Country, Labels: []string{}, Tags: []string{},
		Rating: c.Rating, StartedAt: formatDate(c.Date), started: c.Date}
	for _, l := range c.Labels {
		row.Labels = append(row.Labels, l.Label)
	}
	for _, t := range c.Tags {
		if t.Type == tagRegular {
			row.Tags = append(row.Tags, t.Tag)
		}
	}
	var firstVisitor, answer, last *message
	for _, msg := range ms {
		if msg.fromVisitor() {
			firstVisitor = msg
			break
		}
	}
	for _, msg := range ms {
		if msg.fromVisitor() || msg.fromAgent() {
			last = msg
		}
		if answer == nil && firstVisitor != nil && msg.fromAgent() && !msg.Date.Before(firstVisitor.Date) {
			answer = msg
		}
	}
	if answer == nil {
		return row
	}
	row.agentID = *answer.AgentID
	if a, ok := m.accountAgent(c.SID, row.agentID); ok {
		row.AgentName, row.AgentEmail = a.Name, a.Email
	}
	response := answer.Date.Sub(firstVisitor.Date).Milliseconds()
	duration := last.Date.Sub(c.Date).Milliseconds()
	row.ResponseTime, row.Duration = &response, &duration
	return row
}

// csvResponse renders rows as RFC 4180 CSV: a header row, CRLF line ends,
// arrays joined with "," in one cell, null as an empty cell, startedAt in
// the request's timezone with its offset. Cells keep their line breaks as
// they are (encoding/csv with UseCRLF would rewrite them).
func csvResponse(rows []statRow, loc *time.Location) (*core.Response, error) {
	var buf bytes.Buffer
	w := &csvWriter{buf: &buf}
	w.Write(csvHeader)
	for i := range rows {
		r := &rows[i]
		rec := []string{r.Channel, r.AgentName, r.AgentEmail, r.Referral, r.SearchEngine, r.ExitPage,
			r.Browser, r.OS, r.City, r.Country, strings.Join(r.Labels, ","), strings.Join(r.Tags, ","),
			optionalInt(r.Duration), optionalInt(intPtr64(r.Rating)), optionalInt(r.ResponseTime),
			r.started.In(loc).Format(dateLayout)}
		w.Write(rec)
	}
	h := http.Header{}
	h.Set("Content-Disposition", `attachment; filename="chatStatistics.csv"`)
	return &core.Response{Status: http.StatusOK, Header: h, Raw: buf.Bytes(), ContentType: "text/csv; charset=utf-8"}, nil
}

func optionalInt(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func intPtr64(n *int) *int64 {
	if n == nil {
		return nil
	}
	v := int64(*n)
	return &v
}

// csvWriter writes RFC 4180 records ending in CRLF. A cell holding a comma,
// a quote, a CR or an LF (or starting with a space) is quoted with its quotes
// doubled; its other bytes go out unchanged.
type csvWriter struct{ buf *bytes.Buffer }

func (w *csvWriter) Write(rec []string) {
	for i, cell := range rec {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		if cell == "" || !(strings.ContainsAny(cell, ",\"\r\n") || cell[0] == ' ') {
			w.buf.WriteString(cell)
			continue
		}
		w.buf.WriteByte('"')
		w.buf.WriteString(strings.ReplaceAll(cell, `"`, `""`))
		w.buf.WriteByte('"')
	}
	w.buf.WriteString("\r\n")
}
