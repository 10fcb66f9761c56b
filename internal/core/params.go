package core

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Value is one node of a decoded parameter tree. A leaf holds a scalar
// (a string from a query or form, or a string, json.Number, bool or nil from
// a JSON body); an inner node holds named children in arrival order, the way
// PHP builds $_POST from keys such as users_ids[0]=3 or ATTACH[0][MESSAGE]=x.
type Value struct {
	// A scalar is str when isStr (form and query values, JSON strings: held
	// without boxing them in an interface), else scalar.
	str    string
	isStr  bool
	scalar any
	tree   bool
	kids   []kid // children in arrival order
	// byName is the position of each child by name, kept once a tree has
	// more than linearKids children; smaller trees (almost all of them) are
	// searched in order, which is quicker and allocates no map.
	byName map[string]int
	next   int // PHP's next append index: one above the highest integer key
}

// kid is one child of a tree and its name.
type kid struct {
	name string
	val  *Value
}

// linearKids is the most children a tree has before it indexes them by name.
const linearKids = 8

// Params is the whole decoded parameter tree of one request: query string and
// body merged, body winning on a top-level name.
type Params struct {
	root *Value
	// source is how many bytes of query and body the tree was decoded
	// from: its strings may share that memory (the journal copies them out
	// of a large request rather than keep it alive).
	source int
}

// NewParams returns an empty parameter tree.
func NewParams() *Params { return &Params{root: newTree()} }

func newTree() *Value { return &Value{tree: true} }

// stringValue is a string scalar.
func stringValue(s string) *Value { return &Value{str: s, isStr: true} }

// scalarValue is a scalar of any JSON type.
func scalarValue(x any) *Value {
	if s, ok := x.(string); ok {
		return stringValue(s)
	}
	return &Value{scalar: x}
}

// raw is the scalar as an interface value.
func (v *Value) raw() any {
	if v.isStr {
		return v.str
	}
	return v.scalar
}

// pos is the position of the child called name, or -1.
func (v *Value) pos(name string) int {
	if v.byName != nil {
		if i, ok := v.byName[name]; ok {
			return i
		}
		return -1
	}
	for i := range v.kids {
		if v.kids[i].name == name {
			return i
		}
	}
	return -1
}

// kid is the child called name, or nil.
func (v *Value) kid(name string) *Value {
	if i := v.pos(name); i >= 0 {
		return v.kids[i].val
	}
	return nil
}

// Root is the top node of the tree.
func (p *Params) Root() *Value { return p.root }

// Lookup returns the value at the given path of names, or nil.
func (p *Params) Lookup(path ...string) *Value { return p.root.Lookup(path...) }

// Has reports whether a top-level name was sent at all (even empty).
func (p *Params) Has(name string) bool { return p.root.Lookup(name) != nil }

// String returns the scalar at a top-level name as a string (PHP-style
// conversion for JSON scalars) and whether it was sent as a scalar.
func (p *Params) String(name string) (string, bool) {
	v := p.root.Lookup(name)
	if v == nil || v.IsTree() {
		return "", false
	}
	return v.String(), true
}

// Names lists the top-level names in arrival order.
func (p *Params) Names() []string { return p.root.Keys() }

// Map converts the tree to plain JSON-friendly values (map[string]any,
// string, json.Number, bool, nil), for journals and matching.
func (p *Params) Map() map[string]any {
	m, _ := p.root.Plain().(map[string]any)
	return m
}

// IsTree reports whether the value has children rather than a scalar.
func (v *Value) IsTree() bool { return v != nil && v.tree }

// Lookup walks children by exact name.
func (v *Value) Lookup(path ...string) *Value {
	cur := v
	for _, name := range path {
		if cur == nil || !cur.IsTree() {
			return nil
		}
		cur = cur.kid(name)
	}
	return cur
}

// LookupFold finds a direct child whose name equals name case-insensitively,
// preferring an exact match (Bitrix24 handlers upper-case their parameters).
func (v *Value) LookupFold(name string) *Value {
	if !v.IsTree() {
		return nil
	}
	if i := v.pos(name); i >= 0 {
		return v.kids[i].val
	}
	for _, k := range v.kids {
		if strings.EqualFold(k.name, name) {
			return k.val
		}
	}
	return nil
}

// Keys lists the children's names in arrival order.
func (v *Value) Keys() []string {
	if !v.IsTree() {
		return nil
	}
	out := make([]string, len(v.kids))
	for i, k := range v.kids {
		out[i] = k.name
	}
	return out
}

// Len is the number of children (0 for a scalar).
func (v *Value) Len() int {
	if !v.IsTree() {
		return 0
	}
	return len(v.kids)
}

// Children returns the child nodes in arrival order.
func (v *Value) Children() []*Value {
	if !v.IsTree() {
		return nil
	}
	out := make([]*Value, len(v.kids))
	for i, k := range v.kids {
		out[i] = k.val
	}
	return out
}

// Scalar returns the raw scalar (nil for a tree).
func (v *Value) Scalar() any {
	if v == nil || v.IsTree() {
		return nil
	}
	return v.raw()
}

// String converts a scalar the way PHP's string cast does: true is "1",
// false and null are "", numbers keep their JSON text. A tree gives "".
func (v *Value) String() string {
	if v == nil || v.IsTree() {
		return ""
	}
	if v.isStr {
		return v.str
	}
	switch s := v.scalar.(type) {
	case string:
		return s
	case json.Number:
		return s.String()
	case bool:
		if s {
			return "1"
		}
		return ""
	default:
		return ""
	}
}

// Strings returns a scalar as a one-element list, or a tree's scalar
// children in arrival order (nested trees are skipped).
func (v *Value) Strings() []string {
	if v == nil {
		return nil
	}
	if !v.IsTree() {
		return []string{v.String()}
	}
	out := make([]string, 0, len(v.kids))
	for _, k := range v.kids {
		if !k.val.IsTree() {
			out = append(out, k.val.String())
		}
	}
	return out
}

// Plain converts the node to plain Go values.
func (v *Value) Plain() any {
	if v == nil {
		return nil
	}
	if !v.IsTree() {
		return v.raw()
	}
	m := make(map[string]any, len(v.kids))
	for _, k := range v.kids {
		m[k.name] = k.val.Plain()
	}
	return m
}

// set stores child name, replacing what was there (PHP: the last key wins).
func (v *Value) set(name string, child *Value) {
	if i := v.pos(name); i >= 0 {
		v.kids[i].val = child
		return
	}
	v.kids = append(v.kids, kid{name, child})
	switch {
	case v.byName != nil:
		v.byName[name] = len(v.kids) - 1
	case len(v.kids) > linearKids:
		v.byName = make(map[string]int, 2*len(v.kids))
		for i, k := range v.kids {
			v.byName[k.name] = i
		}
	}
	if n, ok := index(name); ok && n >= v.next {
		v.next = n + 1
	}
}

// index is strconv.Atoi(name) for names that may be integers; other names
// are refused without building Atoi's error.
func index(name string) (int, bool) {
	if name == "" {
		return 0, false
	}
	if c := name[0]; (c < '0' || c > '9') && c != '+' && c != '-' {
		return 0, false
	}
	n, err := strconv.Atoi(name)
	return n, err == nil
}

// child returns the tree child name, turning a missing or scalar child into
// an empty tree (PHP: a=1&a[b]=2 makes a an array).
func (v *Value) child(name string) *Value {
	c := v.kid(name)
	if c == nil || !c.IsTree() {
		c = newTree()
		v.set(name, c)
	}
	return c
}

// nextIndex is PHP's next array index for an empty [] key: one above the
// highest non-negative integer key so far.
func (v *Value) nextIndex() string { return strconv.Itoa(v.next) }

// SortedKeys lists children's names with integer keys in numeric order first,
// then the others in arrival order.
func (v *Value) SortedKeys() []string {
	keys := v.Keys()
	sort.SliceStable(keys, func(i, j int) bool {
		a, ea := strconv.Atoi(keys[i])
		b, eb := strconv.Atoi(keys[j])
		switch {
		case ea == nil && eb == nil:
			return a < b
		case ea == nil:
			return true
		default:
			return false
		}
	})
	return keys
}
