package core

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
)

// pathMatcher matches a path against a route's path template without
// regular expressions, with the same outcome and the same variables as
// the regexp mux compiles for the template. It understands templates made
// of literal text and variables of mux's default pattern ({name}, at most
// one per "/"-separated segment, with optional literal text before and
// after it in the segment), optionally ending in one variable that takes
// the rest of the path ({name:.*}). A default variable matches one or more
// bytes other than "/", so a path matches exactly when it has as many
// segments as the template and each segment matches its own; each
// variable is then its segment less the literal text around it, which
// is what the regexp's group captures.
type pathMatcher struct {
	// lead is the template's literal text up to the segment of its first
	// variable (the whole template if it has none): routes sharing a
	// first segment differ in it, and one comparison tells them apart.
	lead  string
	segs  []pathSegment // the segments after lead
	names []string      // variable names, in template order
	// rest: the template ends in {name:.*}, matched by whatever follows the
	// last segment's prefix, up to a newline ("." does not match one).
	rest bool
}

// pathSegment is one "/"-separated segment of a template: a literal, or a
// variable between a literal prefix and suffix.
type pathSegment struct {
	prefix, suffix string
	variable       bool
}

// maxPathVars bounds the variables a fast-matched template may have, so
// that matching can collect them on the stack.
const maxPathVars = 8

// compilePathMatcher compiles template into a pathMatcher, or reports
// that the template is not one it understands. newFastMatcher still checks
// the result against the regexp mux compiled for the route.
func compilePathMatcher(template string) (*pathMatcher, bool) {
	if !strings.HasPrefix(template, "/") {
		return nil, false
	}
	pm := &pathMatcher{}
	segs := strings.Split(template, "/")
	for i, s := range segs {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			if strings.IndexByte(s, '}') >= 0 {
				return nil, false
			}
			pm.segs = append(pm.segs, pathSegment{prefix: s})
			continue
		}
		closing := strings.IndexByte(s, '}')
		if closing < open || strings.ContainsAny(s[open+1:closing], "{") || strings.ContainsAny(s[closing+1:], "{}") {
			return nil, false
		}
		name, pattern, custom := strings.Cut(s[open+1:closing], ":")
		if name == "" || (custom && pattern != ".*") {
			return nil, false
		}
		if custom {
			// ".*" would take slashes too: only as the template's very end,
			// where it takes the rest of the path.
			if i != len(segs)-1 || closing != len(s)-1 {
				return nil, false
			}
			pm.rest = true
		}
		for _, n := range pm.names {
			if n == name {
				return nil, false // mux keeps the last; not worth mirroring
			}
		}
		pm.names = append(pm.names, name)
		pm.segs = append(pm.segs, pathSegment{prefix: s[:open], suffix: s[closing+1:], variable: true})
	}
	if len(pm.names) > maxPathVars {
		return nil, false
	}
	k := slices.IndexFunc(pm.segs, func(s pathSegment) bool { return s.variable })
	if k < 0 {
		pm.lead, pm.segs = template, nil
	} else {
		pm.lead = strings.Join(segs[:k], "/") + "/"
		pm.segs = pm.segs[k:]
	}
	return pm, true
}

// muxRegexp is the regular expression mux compiles for the template pm
// was compiled from, on a route without strict slashes; a route whose own
// regexp differs (strict slashes, a subrouter's prefix) is not matched by
// pm.
func (pm *pathMatcher) muxRegexp() string {
	var b strings.Builder
	b.WriteByte('^')
	lit := pm.lead
	v := 0
	for i, s := range pm.segs {
		if i > 0 {
			lit += "/"
		}
		lit += s.prefix
		if !s.variable {
			continue
		}
		pattern := "[^/]+"
		if pm.rest && i == len(pm.segs)-1 {
			pattern = ".*"
		}
		b.WriteString(regexp.QuoteMeta(lit))
		b.WriteString("(?P<v" + strconv.Itoa(v) + ">")
		b.WriteString(pattern)
		b.WriteString(")")
		v++
		lit = s.suffix
	}
	b.WriteString(regexp.QuoteMeta(lit))
	b.WriteByte('$')
	return b.String()
}

// match reports whether p matches the template, filling vals (of length
// len(pm.names)) with the variables in template order. It does not
// allocate.
func (pm *pathMatcher) match(p string, vals []string) bool {
	p, ok := strings.CutPrefix(p, pm.lead)
	if !ok {
		return false
	}
	if len(pm.segs) == 0 {
		return p == ""
	}
	v := 0
	last := len(pm.segs) - 1
	for i, s := range pm.segs {
		var seg string
		if pm.rest && i == last {
			// The rest of the path, slashes and all: "." matches anything
			// but a newline.
			if strings.IndexByte(p, '\n') >= 0 {
				return false
			}
			seg, p = p, ""
		} else {
			var more bool
			seg, p, more = strings.Cut(p, "/")
			if more != (i < last) {
				return false // fewer or more segments than the template
			}
		}
		if !s.variable {
			if seg != s.prefix {
				return false
			}
			continue
		}
		if len(seg) < len(s.prefix)+len(s.suffix) || !strings.HasPrefix(seg, s.prefix) || !strings.HasSuffix(seg, s.suffix) {
			return false
		}
		val := seg[len(s.prefix) : len(seg)-len(s.suffix)]
		if val == "" && !(pm.rest && i == last) {
			return false // [^/]+ takes at least one byte
		}
		vals[v] = val
		v++
	}
	return true
}

// vars is the map mux would build for the variables vals.
func (pm *pathMatcher) vars(vals []string) map[string]string {
	m := make(map[string]string, len(pm.names))
	for i, n := range pm.names {
		m[n] = vals[i]
	}
	return m
}

// fastMatcher is a route's regexp-free stand-in for (*mux.Route).Match: the
// route's own matcher, if any, then its path.
type fastMatcher struct {
	path  *pathMatcher
	extra func(*http.Request) bool // Route.Match; nil: none
}

// newFastMatcher returns a fastMatcher for a mounted route when its mux
// route is exactly what Mount made of rt, a path template pathMatcher
// understands plus rt.Match: no strict slashes, no host, query or method
// matchers, no template inherited from a subrouter, no build error.
// Otherwise the route is matched by mux alone. (Matcher functions a
// subrouter's parent route adds to every route are not visible to it:
// Mount is meant to get a router of its own.)
func newFastMatcher(rt *Route, mr *mux.Route) (*fastMatcher, bool) {
	if mr.GetError() != nil {
		return nil, false
	}
	pm, ok := compilePathMatcher(rt.Path)
	if !ok {
		return nil, false
	}
	if tpl, err := mr.GetPathTemplate(); err != nil || tpl != rt.Path {
		return nil, false
	}
	if re, err := mr.GetPathRegexp(); err != nil || re != pm.muxRegexp() {
		return nil, false
	}
	if _, err := mr.GetHostTemplate(); err == nil {
		return nil, false
	}
	if qs, err := mr.GetQueriesTemplates(); err == nil && len(qs) > 0 {
		return nil, false
	}
	if _, err := mr.GetMethods(); err == nil {
		return nil, false
	}
	return &fastMatcher{path: pm, extra: rt.Match}, true
}

// encodedPathProbe tells whether the routes Mount made on a router match
// the path as sent (the router's UseEncodedPath) or the decoded path. mux
// offers no accessor for it, so the catch-all (a bare prefix matcher Mount
// made on the same router, right after the vendor's routes) is asked about
// its own prefix with the first byte percent-encoded in the path as sent:
// only a route matching the decoded path takes it. ok is false when the
// probe is inconclusive (a prefix with variables, or a catch-all that does
// not even take the plain prefix).
func encodedPathProbe(catchAll *mux.Route, prefix string) (encoded, ok bool) {
	if prefix == "" || strings.ContainsAny(prefix, "{}") || catchAll.GetError() != nil {
		return false, false
	}
	probe := func(raw string) bool {
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: prefix, RawPath: raw}, Header: http.Header{}}
		var m mux.RouteMatch
		return catchAll.Match(req, &m) && m.MatchErr == nil
	}
	raw := fmt.Sprintf("%%%02X", prefix[0]) + prefix[1:]
	if u := (&url.URL{Path: prefix, RawPath: raw}); u.EscapedPath() != raw || !probe("") {
		return false, false
	}
	return !probe(raw), true
}
