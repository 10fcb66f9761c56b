package imbox

import (
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// Page filter match types. The documentation shows only "like"; the others
// are the emulator's (docs/fidelity.md, "ImBox page filters").
const (
	matchLike       = "like"       // the page contains the filter; % and _ are SQL LIKE wildcards
	matchExact      = "exact"      // the page is the filter
	matchStartsWith = "startsWith" // the page begins with the filter
	matchRegex      = "regex"      // the filter, a Go (RE2) regular expression, matches in the page
)

// pageFilterItem is a page filter as pageFilters shows it.
type pageFilterItem struct {
	ID           int64  `json:"id"`
	SID          int64  `json:"sid"`
	SearchFilter string `json:"searchFilter"`
	SearchName   string `json:"searchName"`
	MatchType    string `json:"matchType"`
}

// pageFilters implements "pageFilters": the account's page filters by id.
func (s *Service) pageFilters(req *core.Request) (*core.Response, error) {
	sid := sidOf(req)
	var out []pageFilterItem
	_ = s.view(func(m *model) error {
		for _, f := range m.accountFilters(sid) {
			out = append(out, pageFilterItem(f))
		}
		return nil
	})
	return success(out), nil
}

// filterSet is the page filters a request narrows conversations by. With
// none requested it matches every conversation; requested ids the account
// has no filter by match nothing, as a filter (not a lookup) would.
type filterSet struct {
	s         *Service
	requested bool
	filters   []pageFilter
}

// pageFilterSet loads the account's filters among ids.
func (s *Service) pageFilterSet(m *model, sid int64, ids []int64) *filterSet {
	set := &filterSet{s: s, requested: len(ids) > 0}
	for _, id := range ids {
		if f, found := m.pageFilters.Get(id); found && f.SID == sid {
			set.filters = append(set.filters, f)
		}
	}
	return set
}

// match reports whether a conversation with these visited pages passes.
func (fs *filterSet) match(pages []string) bool {
	if !fs.requested {
		return true
	}
	for i := range fs.filters {
		for _, p := range pages {
			if fs.s.matchPage(&fs.filters[i], p) {
				return true
			}
		}
	}
	return false
}

// matchPage applies one filter to one page URL. Text comparisons ignore
// case; a regex decides its own.
func (s *Service) matchPage(f *pageFilter, page string) bool {
	switch f.MatchType {
	case matchLike:
		return like(strings.ToLower(page), "%"+strings.ToLower(f.SearchFilter)+"%")
	case matchExact:
		return strings.EqualFold(page, f.SearchFilter)
	case matchStartsWith:
		return strings.HasPrefix(strings.ToLower(page), strings.ToLower(f.SearchFilter))
	case matchRegex:
		re, err := s.compiled(f.SearchFilter)
		return err == nil && re.MatchString(page)
	}
	return false
}

// like matches s against an SQL LIKE pattern: % is any run of characters,
// _ one character, a backslash takes the next character literally.
func like(s, pattern string) bool {
	str, pat := []rune(s), []rune(pattern)
	si, pi := 0, 0
	starPi, starSi := -1, 0 // the last % seen and where s stood then
	for si < len(str) {
		if pi < len(pat) {
			switch c := pat[pi]; {
			case c == '%':
				starPi, starSi = pi, si
				pi++
				continue
			case c == '\\' && pi+1 < len(pat):
				if pat[pi+1] == str[si] {
					pi, si = pi+2, si+1
					continue
				}
			case c == '_' || c == str[si]:
				pi, si = pi+1, si+1
				continue
			}
		}
		if starPi < 0 {
			return false
		}
		starSi++
		pi, si = starPi+1, starSi
	}
	for pi < len(pat) && pat[pi] == '%' {
		pi++
	}
	return pi == len(pat)
}
