package fault

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/chatemu/chatemu/scenarios"
)

var bundled struct {
	once   sync.Once
	byName map[string]*Scenario
	err    error
}

func loadBundled() {
	bundled.byName = map[string]*Scenario{}
	names, err := fs.Glob(scenarios.FS, "*.json")
	if err != nil {
		bundled.err = err
		return
	}
	for _, n := range names {
		data, err := fs.ReadFile(scenarios.FS, n)
		if err != nil {
			bundled.err = err
			return
		}
		s, err := Parse(n, data)
		if err != nil {
			bundled.err = err
			return
		}
		if want := strings.TrimSuffix(path.Base(n), ".json"); s.Name != want {
			bundled.err = fmt.Errorf("bundled scenario %s is named %q", n, s.Name)
			return
		}
		bundled.byName[s.Name] = s
	}
}

// Bundled returns a copy of the bundled scenario with that name.
func Bundled(name string) (*Scenario, error) {
	bundled.once.Do(loadBundled)
	if bundled.err != nil {
		return nil, bundled.err
	}
	s, ok := bundled.byName[name]
	if !ok {
		return nil, fmt.Errorf("no bundled scenario %q (bundled: %s)", name, strings.Join(BundledNames(), ", "))
	}
	cp := *s
	cp.Rules = append([]Rule(nil), s.Rules...)
	return &cp, nil
}

// BundledNames lists the bundled scenarios by name.
func BundledNames() []string {
	bundled.once.Do(loadBundled)
	names := make([]string, 0, len(bundled.byName))
	for n := range bundled.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Describe returns a bundled scenario's description.
func Describe(name string) string {
	bundled.once.Do(loadBundled)
	if s, ok := bundled.byName[name]; ok {
		return s.Description
	}
	return ""
}
