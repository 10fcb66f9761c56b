package core

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// Trees find their children by name in order up to linearKids children and
// through an index beyond: both must give the same lookups, arrival order,
// in-place replacement and PHP append indexes.
func TestValueTreeAcrossIndexThreshold(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, linearKids - 1, linearKids, linearKids + 1, 3 * linearKids, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var parts, order []string
			seen := func(name string) {
				if !slices.Contains(order, name) {
					order = append(order, name)
				}
			}
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("k%d", (i*7)%n)
				parts = append(parts, name+"=first", "list[]="+fmt.Sprint(i))
				seen(name)
				seen("list")
			}
			for i := 0; i < n; i++ { // every name again: replaced in place
				parts = append(parts, fmt.Sprintf("k%d=v%d", i, i))
				seen(fmt.Sprintf("k%d", i))
			}
			parts = append(parts, "list[1000]=x", "list[]=y")
			r := httptest.NewRequest("GET", "/?"+strings.Join(parts, "&"), nil)
			p, err := DecodeRequest(r, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			root := p.Root()
			if got := root.Keys(); !slices.Equal(got, order) {
				t.Fatalf("keys %v, want %v", got, order)
			}
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("k%d", i)
				if got, _ := p.String(name); got != fmt.Sprintf("v%d", i) {
					t.Fatalf("%s = %q", name, got)
				}
				if c := root.LookupFold(strings.ToUpper(name)); c == nil || c.String() != fmt.Sprintf("v%d", i) {
					t.Fatalf("LookupFold(%s) = %v", strings.ToUpper(name), c)
				}
			}
			list := root.Lookup("list")
			if list.Len() != n+2 || list.Lookup(fmt.Sprint(n-1)).String() != fmt.Sprint(n-1) ||
				list.Lookup("1000").String() != "x" || list.Lookup("1001").String() != "y" {
				t.Fatalf("list = %v", list.Plain())
			}
			if root.Lookup("missing") != nil || list.Lookup("1002") != nil {
				t.Fatal("a missing name was found")
			}
			kids := root.Children()
			if len(kids) != len(order) || kids[slices.Index(order, "list")] != list {
				t.Fatalf("Children: %d, want %d with list in place", len(kids), len(order))
			}
		})
	}
}
