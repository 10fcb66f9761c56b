package imbachat

import (
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// param returns a scalar parameter as sent: ImbaChat's backend runs on
// OctoberCMS, whose HTTP kernel has no TrimStrings middleware, so white
// space around text reaches the API and is stored and compared with it
// (docs/fidelity.md, "Transport and encoding"). A value that is empty or
// only white space counts as not sent (curl --form 'room_pipe=';
// Laravel's "required" rule trims before it tests). JSON booleans read as
// "1" and "0", as a PHP backend compares them with integer columns.
func param(req *core.Request, name string) (string, bool) {
	v := req.Params.Lookup(name)
	if v == nil || v.IsTree() {
		return "", false
	}
	var s string
	if b, ok := v.Scalar().(bool); ok {
		s = map[bool]string{true: "1", false: "0"}[b]
	} else {
		s = v.String()
	}
	return s, strings.TrimSpace(s) != ""
}

// wordParam returns a parameter that is a number, a flag, an enumeration
// or a date with surrounding white space removed, as PHP reads such values
// (filter_var's integer validation and (int) casts skip it).
func wordParam(req *core.Request, name string) (string, bool) {
	s, ok := param(req, name)
	return strings.TrimSpace(s), ok
}

// required returns a required scalar parameter as sent: missing, empty or
// only white space is the documented 422 "required", an array in its
// place is 422 "invalid".
func required(req *core.Request, name string) (string, error) {
	if v := req.Params.Lookup(name); v != nil && v.IsTree() {
		return "", errInvalid(name, "expected a single value, got an array")
	}
	s, ok := param(req, name)
	if !ok {
		return "", errRequired(name)
	}
	return s, nil
}

// intParam parses a required integer parameter.
func intParam(req *core.Request, name string) (int64, error) {
	v, ok, err := optionalInt(req, name)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errRequired(name)
	}
	return v, nil
}

// optionalInt parses an integer parameter if it was sent.
func optionalInt(req *core.Request, name string) (int64, bool, error) {
	if v := req.Params.Lookup(name); v != nil && v.IsTree() {
		return 0, false, errInvalid(name, "expected an integer, got an array")
	}
	s, ok := wordParam(req, name)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, errInvalid(name, "expected an integer, got %q", s)
	}
	return n, true, nil
}

// optionalBool parses 0/1/true/false if sent.
func optionalBool(req *core.Request, name string) (bool, bool, error) {
	s, ok := wordParam(req, name)
	if !ok {
		return false, false, nil
	}
	switch strings.ToLower(s) {
	case "1", "true":
		return true, true, nil
	case "0", "false":
		return false, true, nil
	}
	return false, false, errInvalid(name, "expected 0 or 1, got %q", s)
}

// dateFilter matches a timestamp against a last_message_date/date filter:
// "2020-12-19" matches that UTC day, "2020-12-19 20:42:07" that second.
type dateFilter struct {
	from, to time.Time // [from, to)
}

func optionalDate(req *core.Request, name string) (*dateFilter, error) {
	s, ok := wordParam(req, name)
	if !ok {
		return nil, nil
	}
	if t, err := time.Parse(dateLayout, s); err == nil {
		return &dateFilter{from: t, to: t.Add(time.Second)}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return &dateFilter{from: t, to: t.AddDate(0, 0, 1)}, nil
	}
	return nil, errInvalid(name, "expected a date YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, got %q", s)
}

func (f *dateFilter) match(t *time.Time) bool {
	if f == nil {
		return true
	}
	return t != nil && !t.Before(f.from) && t.Before(f.to)
}

// intFilter is an optional integer filter parameter and where it goes.
type intFilter struct {
	name string
	dst  **int64
}

// parseIntFilters reads optional integer filters in the order given, so
// that with several bad values the first one is always the one reported.
func parseIntFilters(req *core.Request, filters ...intFilter) error {
	for _, f := range filters {
		v, ok, err := optionalInt(req, f.name)
		if err != nil {
			return err
		}
		if ok {
			*f.dst = &v
		}
	}
	return nil
}
