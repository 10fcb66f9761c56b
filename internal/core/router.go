package core

import (
	"fmt"
	"net/http"
	"strings"
)

// Router serves one vendor's routes: a small table, matched in route order
// on the path as sent (escaped), with a catch-all that answers unknown
// paths with the vendor's own not-found error. It is the only routing a
// vendor request goes through (the emulator picks the vendor by prefix).
//
// A route's Path is a template of "/"-separated segments: a literal
// segment matches itself; "{name}" matches one non-empty segment, which
// becomes Request.Vars[name] as sent (not unescaped); the template may end
// in "{name:.*}", which takes the rest of the path (possibly empty,
// slashes included), or in "{name:/?}", an optional trailing slash. Both
// may follow literal text in their segment ("/oauth/token{slash:/?}").
type Router struct {
	vendor   Vendor
	routes   []routeEntry
	notFound *adapter
	prefixes []string
}

type routeEntry struct {
	path    pathTemplate
	adapter *adapter
}

// Mount builds the router of a vendor's routes over the shared hooks.
func Mount(v Vendor, h Hooks) *Router {
	rt := &Router{vendor: v, notFound: &adapter{v: v, h: h}}
	rt.prefixes = append(rt.prefixes, v.PathPrefix())
	for _, r := range v.Routes() {
		r := r
		tpl, err := parseTemplate(r.Path)
		if err != nil {
			panic(fmt.Sprintf("route %s: %v", r.Name, err)) // a programming error, caught by every test
		}
		rt.routes = append(rt.routes, routeEntry{path: tpl, adapter: &adapter{v: v, h: h, route: &r}})
		if !strings.HasPrefix(r.Path, v.PathPrefix()) {
			rt.prefixes = append(rt.prefixes, tpl.lead())
		}
	}
	return rt
}

// Prefixes are the path prefixes the vendor's routes live under: its
// PathPrefix, and the literal lead of any route outside it (Bitrix24's
// /oauth/token).
func (rt *Router) Prefixes() []string { return rt.prefixes }

// ServeHTTP serves r through the first route whose template matches its
// path, or the vendor's not-found answer.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	for i := range rt.routes {
		e := &rt.routes[i]
		if vars, ok := e.path.match(p); ok {
			e.adapter.serveHTTP(w, r, vars)
			return
		}
	}
	rt.notFound.serveHTTP(w, r, nil)
}

// pathTemplate is a compiled route template.
type pathTemplate struct {
	segs []templateSegment
	// tail, when set, is the template's last variable: the rest of the
	// path (rest) or an optional trailing slash (!rest), after the literal
	// tailLead in the last segment.
	tail     string
	rest     bool
	tailLead string
}

// templateSegment is a literal segment, or a variable when name is set.
type templateSegment struct {
	lit, name string
}

func parseTemplate(t string) (pathTemplate, error) {
	var pt pathTemplate
	if !strings.HasPrefix(t, "/") {
		return pt, fmt.Errorf("template %q does not start with /", t)
	}
	body := t[1:]
	if open := strings.LastIndexByte(body, '{'); open >= 0 && strings.HasSuffix(body, "}") {
		name, pattern, custom := strings.Cut(body[open+1:len(body)-1], ":")
		if custom {
			switch pattern {
			case ".*":
				pt.rest = true
			case "/?":
			default:
				return pt, fmt.Errorf("template %q: only {name}, {name:.*} and {name:/?} are understood", t)
			}
			pt.tail = name
			lastSlash := strings.LastIndexByte(body[:open], '/')
			pt.tailLead = body[lastSlash+1 : open]
			if strings.ContainsAny(pt.tailLead, "{}") {
				return pt, fmt.Errorf("template %q: a variable must be a whole segment", t)
			}
			body = body[:lastSlash+1]
			body = strings.TrimSuffix(body, "/")
		}
	}
	if body != "" {
		for _, s := range strings.Split(body, "/") {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && !strings.ContainsAny(s[1:len(s)-1], "{}:"):
				pt.segs = append(pt.segs, templateSegment{name: s[1 : len(s)-1]})
			case strings.ContainsAny(s, "{}"):
				return pt, fmt.Errorf("template %q: a variable must be a whole segment", t)
			default:
				pt.segs = append(pt.segs, templateSegment{lit: s})
			}
		}
	}
	if pt.tail != "" && len(pt.segs) == 0 && pt.tailLead == "" && !pt.rest {
		return pt, fmt.Errorf("template %q: an optional slash needs text before it", t)
	}
	return pt, nil
}

// lead is the template's literal text before its first variable.
func (pt pathTemplate) lead() string {
	var b strings.Builder
	for _, s := range pt.segs {
		if s.name != "" {
			return b.String() + "/"
		}
		b.WriteString("/" + s.lit)
	}
	if pt.tail != "" {
		b.WriteString("/" + pt.tailLead)
	}
	return b.String()
}

// match reports whether p matches, with its variables.
func (pt pathTemplate) match(p string) (map[string]string, bool) {
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	rest := p[1:]
	var vars map[string]string
	set := func(name, v string) {
		if vars == nil {
			vars = make(map[string]string, len(pt.segs)+1)
		}
		vars[name] = v
	}
	for i, s := range pt.segs {
		seg, after, more := strings.Cut(rest, "/")
		last := i == len(pt.segs)-1 && pt.tail == ""
		if last && more || !last && !more {
			return nil, false
		}
		if s.name == "" {
			if seg != s.lit {
				return nil, false
			}
		} else {
			if seg == "" {
				return nil, false
			}
			set(s.name, seg)
		}
		rest = after
	}
	if pt.tail == "" {
		if len(pt.segs) == 0 && rest != "" {
			return nil, false
		}
		return vars, true
	}
	tail, ok := strings.CutPrefix(rest, pt.tailLead)
	if !ok {
		return nil, false
	}
	if pt.rest {
		if strings.ContainsAny(tail, "\n") {
			return nil, false
		}
	} else if tail != "" && tail != "/" {
		return nil, false
	}
	set(pt.tail, tail)
	return vars, true
}
