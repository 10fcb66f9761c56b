package core

import (
	"sort"
	"strings"
)

// noteNearest names, in the journal and the log, the known operations
// closest to an unknown request, so that a typo in a client is obvious:
// "imbot.chat.ad" suggests "bitrix24.imbot.chat.add".
func (a *adapter) noteNearest(req *Request, ex *Exchange) {
	names := a.routeNames()
	segments := pathSegments(strings.TrimPrefix(req.HTTP.URL.Path, strings.TrimSuffix(a.v.PathPrefix(), "/")))
	if len(segments) == 0 || len(names) == 0 {
		return
	}
	type cand struct {
		name string
		dist int
	}
	var cands []cand
	for _, n := range names {
		op := strings.ToLower(strings.TrimPrefix(n, a.v.Name()+"."))
		limit := max(1, len(op)/3)
		d := -1
		for _, seg := range segments { // the operation may sit anywhere in the path
			if abs(len(seg)-len(op)) > limit {
				continue // farther than limit whatever the letters: no need to count
			}
			if sd := levenshtein(seg, op); d < 0 || sd < d {
				d = sd
			}
		}
		if d >= 0 && d <= limit {
			cands = append(cands, cand{n, d})
		}
	}
	if len(cands) == 0 {
		return
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].dist < cands[j].dist })
	var out []string
	for i := 0; i < len(cands) && i < 3; i++ {
		out = append(out, cands[i].name)
	}
	ex.Note = "unknown operation; nearest known: " + strings.Join(out, ", ")
	a.h.Logger.Warn("unknown operation", "vendor", req.Vendor, "method", req.HTTP.Method, "path", clipText(req.HTTP.URL.Path), "nearest", out)
}

// Nearest returns up to n of names closest to name (edit distance within a
// third of the name's length, ignoring case and a "<vendor>." prefix),
// closest first.
func Nearest(name string, names []string, n int) []string {
	name = strings.ToLower(name)
	type cand struct {
		name string
		dist int
	}
	var cands []cand
	for _, full := range names {
		op := strings.ToLower(full)
		_, short, _ := strings.Cut(op, ".")
		limit := max(1, len(op)/3)
		d := levenshtein(name, op)
		if short != "" && abs(len(name)-len(short)) <= limit {
			d = min(d, levenshtein(name, short))
		}
		if d <= limit {
			cands = append(cands, cand{full, d})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].dist < cands[j].dist })
	var out []string
	for i := 0; i < len(cands) && i < n; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

// Operations are the names of a vendor's operations: those it lists
// (OperationLister), else its routes' names.
func Operations(v Vendor) []string {
	if l, ok := v.(OperationLister); ok {
		return l.Operations()
	}
	routes := v.Routes()
	names := make([]string, 0, len(routes))
	for _, r := range routes {
		if r.Dispatch == nil {
			names = append(names, r.Name)
		}
	}
	return names
}

// OperationLister is implemented by vendors whose operations are not all
// routes of their own (Bitrix24's methods behind one entry point).
type OperationLister interface {
	Operations() []string
}

// nearestMaxSegments bounds the path segments compared with operation
// names: with segments longer than a name plus a third skipped unread, an
// unknown path costs at most this many short edit distances per route.
const nearestMaxSegments = 16

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func (a *adapter) routeNames() []string { return Operations(a.v) }

// pathSegments are the path's first nearestMaxSegments non-empty
// segments, lower-cased, without a ".json" suffix.
func pathSegments(p string) []string {
	var out []string
	for p != "" && len(out) < nearestMaxSegments {
		var seg string
		seg, p, _ = strings.Cut(p, "/")
		if seg = strings.ToLower(strings.TrimSuffix(seg, ".json")); seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

// levenshtein is the edit distance between two strings (bytes).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
