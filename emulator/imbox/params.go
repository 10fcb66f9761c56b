package imbox

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// pathVar returns a path segment, percent-decoded (the router matches
// encoded paths, so "V%31" arrives as sent).
func pathVar(req *core.Request, name string) (string, error) {
	raw := req.Vars[name]
	v, err := url.PathUnescape(raw)
	if err != nil {
		return "", errInvalid(name, raw, "a valid percent-encoded path segment")
	}
	return v, nil
}

// single returns a query parameter documented as one value. An empty value
// counts as not sent; a key sent twice is refused rather than guessed at.
func single(req *core.Request, name string) (string, bool, error) {
	v := req.Params.Lookup(name)
	if v == nil {
		return "", false, nil
	}
	if v.IsTree() {
		return "", false, errBadRequest("%s must be given once", name)
	}
	s := strings.TrimSpace(v.String())
	return s, s != "", nil
}

// list gathers the values of parameters documented as arrays (sent as a
// repeated key, pageFilterId=1&pageFilterId=2) or single values that
// filter the same thing (agentId with agentIds). Empty values are skipped.
func list(req *core.Request, names ...string) []string {
	var out []string
	for _, name := range names {
		for _, s := range req.Params.Lookup(name).Strings() {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// numericList gathers list parameters that carry numeric ids.
func numericList(req *core.Request, names ...string) ([]int64, error) {
	var out []int64
	for _, name := range names {
		for _, s := range list(req, name) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, errInvalid(name, s, "a number")
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// dayLayout is listConversations' path date format.
const dayLayout = "2006-01-02"

// parseDay parses a YYYY-MM-DD path date as that UTC day's midnight.
func parseDay(name, s string) (time.Time, error) {
	t, err := time.Parse(dayLayout, s)
	if err != nil || len(s) != len(dayLayout) {
		return time.Time{}, errInvalid(name, s, "a date YYYY-MM-DD")
	}
	return t, nil
}

// Accepted chatStatistics times: the documented 2020-01-01T00:00:00.000Z
// and other RFC 3339 forms; without an offset, local time in the request's
// timezone.
var (
	zonedLayouts = []string{time.RFC3339Nano}
	localLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"}
)

// parseTime parses a chatStatistics time. A "+" in an offset that a client
// did not percent-encode arrives as a space and is read back as "+".
func parseTime(name, s string, loc *time.Location) (time.Time, error) {
	candidate := s
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		candidate = s[:i] + "+" + s[i+1:]
	}
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, candidate); err == nil {
			return instant(t), nil
		}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return instant(t), nil
		}
	}
	return time.Time{}, errInvalid(name, s, "a time such as 2020-01-01T00:00:00.000Z")
}

// parseControlTime parses an RFC 3339 "at" of a control-plane body; empty
// means now.
func parseControlTime(name, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return instant(now), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errInvalid(name, s, "an RFC 3339 time such as 2020-01-01T00:00:00.000Z")
	}
	return instant(t), nil
}
