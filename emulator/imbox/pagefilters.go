package imbox

import (
	"regexp"
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
	requested bool
	filters   []pageMatcher
}

// pageMatcher is a page filter ready to match pages: its pattern lowered
// and compiled once per request.
type pageMatcher struct {
	matchType string
	filter    string         // the filter as stored (exact)
	lower     string         // the filter, lowered (startsWith)
	like      *likePattern   // like
	re        *regexp.Regexp // regex; nil when it does not compile
}

// pageFilterSet loads the account's filters among ids.
func (s *Service) pageFilterSet(m *model, sid int64, ids []int64) *filterSet {
	set := &filterSet{requested: len(ids) > 0}
	for _, id := range ids {
		if f, found := m.pageFilters.Get(id); found && f.SID == sid {
			set.filters = append(set.filters, s.pageMatcher(&f))
		}
	}
	return set
}

func (s *Service) pageMatcher(f *pageFilter) pageMatcher {
	pm := pageMatcher{matchType: f.MatchType, filter: f.SearchFilter, lower: strings.ToLower(f.SearchFilter)}
	switch f.MatchType {
	case matchLike:
		pm.like = compileLike("%" + pm.lower + "%")
	case matchRegex:
		pm.re, _ = s.compiled(f.SearchFilter)
	}
	return pm
}

// match reports whether a conversation with these visited pages passes.
func (fs *filterSet) match(pages []string) bool {
	if !fs.requested {
		return true
	}
	for _, p := range pages {
		lower := strings.ToLower(p)
		for i := range fs.filters {
			if fs.filters[i].match(p, lower) {
				return true
			}
		}
	}
	return false
}

// match applies the filter to one page URL (and the URL lowered). Text
// comparisons ignore case; a regex decides its own.
func (pm *pageMatcher) match(page, lower string) bool {
	switch pm.matchType {
	case matchLike:
		return pm.like.match(lower)
	case matchExact:
		return strings.EqualFold(page, pm.filter)
	case matchStartsWith:
		return strings.HasPrefix(lower, pm.lower)
	case matchRegex:
		return pm.re != nil && pm.re.MatchString(page)
	}
	return false
}
