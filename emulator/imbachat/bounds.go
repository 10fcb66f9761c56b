package imbachat

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/chatemu/chatemu/internal/core"
)

// lengthBound is how long a stored string may be, as the MySQL column the
// vendor's Laravel backend keeps it in: VARCHAR(255) counts characters,
// TEXT counts bytes (docs/reliability.md, "ImbaChat").
type lengthBound struct {
	max   int
	bytes bool // counted in bytes (TEXT), else in characters (VARCHAR)
}

var (
	// varcharColumn bounds names, titles, pipes, logins, passwords, keys, URLs
	// and the external site's user ids: VARCHAR(255).
	varcharColumn = lengthBound{max: 255}
	// textColumn bounds message texts and user data: TEXT, 65,535 bytes.
	textColumn = lengthBound{max: 65535, bytes: true}
)

// exceeded reports why s does not fit, or "" when it does.
func (b lengthBound) exceeded(s string) string {
	if len(s) <= b.max {
		return "" // a character is at least a byte
	}
	if b.bytes {
		return fmt.Sprintf("at most %d bytes, got %d", b.max, len(s))
	}
	if n := utf8.RuneCountInString(s); n > b.max {
		return fmt.Sprintf("at most %d characters, got %d", b.max, n)
	}
	return ""
}

// errTooLong is the 422 of a parameter whose value does not fit where it
// is stored.
func errTooLong(name, why string) *core.APIError { return errInvalid(name, "%s", why) }

// boundedParam checks a parameter that will be stored against its bound.
func boundedParam(name, value string, b lengthBound) error {
	if why := b.exceeded(value); why != "" {
		return errTooLong(name, why)
	}
	return nil
}

// field is a stored string with its JSON name and bound.
type field struct {
	name  string
	value string
	bound lengthBound
}

// fieldProblems lists the fields that do not fit, as problems under path.
func fieldProblems(path string, fields ...field) []core.Problem {
	var out []core.Problem
	for _, f := range fields {
		if why := f.bound.exceeded(f.value); why != "" {
			out = append(out, core.Problem{Path: path + "/" + f.name, Reason: why})
		}
	}
	return out
}

func (w *widget) boundedFields() []field {
	return []field{{"name", w.Name, varcharColumn}, {"secret_key", w.SecretKey, varcharColumn}, {"api_login", w.APILogin, varcharColumn},
		{"login", w.Login, varcharColumn}, {"password", w.Password, varcharColumn},
		{"users_info_url", w.UsersInfoURL, varcharColumn}, {"api_password", w.APIPassword, varcharColumn}}
}

func (u *user) boundedFields() []field {
	return []field{{"remote_user_id", u.RemoteUserID, varcharColumn}, {"name", u.Name, varcharColumn}, {"login", u.Login, varcharColumn},
		{"password", u.Password, varcharColumn}, {"user_data", string(u.UserData), textColumn}, {"avatar_url", u.AvatarURL, varcharColumn},
		{"status", u.Status, varcharColumn}}
}

func (r *room) boundedFields() []field {
	return []field{{"pipe", r.Pipe, varcharColumn}, {"name", r.Name, varcharColumn}}
}

func (m *message) boundedFields() []field {
	return []field{{"uuid", m.UUID, varcharColumn}, {"message", m.Text, textColumn}, {"liked", m.Liked, varcharColumn}}
}

// documentBounds checks a stored document's strings (a snapshot's): nil,
// or an error naming each field that does not fit.
func documentBounds(fields []field) error {
	problems := fieldProblems("", fields...)
	if len(problems) == 0 {
		return nil
	}
	reasons := make([]string, len(problems))
	for i, p := range problems {
		reasons[i] = strings.TrimPrefix(p.Path, "/") + ": " + p.Reason
	}
	return fmt.Errorf("%s", strings.Join(reasons, "; "))
}
