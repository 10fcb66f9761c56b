package imbachat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// What the site's users info URL answers, and what chatemu keeps of it
// (docs/imbachat.md, "The answer"; docs/fidelity.md, "Users info").

// absoluteHTTP reports whether s is an absolute http or https URL.
func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// storeProfiles is the Reply of a users info call for ids: a 2xx answer
// holding a JSON array stores the profiles of the ids asked for and marks
// every id asked for as answered (a site skips the ids it does not know);
// anything else stores nothing, so the next request that meets the users
// asks again.
func (s *Service) storeProfiles(imbaID int64, ids []string, gen uint64) func(outbound.Result) {
	return func(res outbound.Result) {
		m := s.m
		defer m.fetch.release(imbaID, ids, gen)
		log := s.deps.Logger
		if res.Outcome != outbound.OutcomeDelivered {
			if log != nil {
				log.Info("imbachat: the site's users info call failed; the users keep what they had", "widget", imbaID,
					"outcome", res.Outcome, "status", res.Status, "error", fmt.Sprint(res.Err))
			}
			return
		}
		profiles, problems, err := parseProfiles(res.Body, ids)
		if err != nil {
			if log != nil {
				log.Warn("imbachat: the site's users info answer was not used; the users keep what they had", "widget", imbaID, "reason", err.Error())
			}
			return
		}
		if len(problems) > 0 && log != nil {
			log.Warn("imbachat: profiles of the site's users info answer were skipped", "widget", imbaID,
				"skipped", len(problems), "first", problems[:min(len(problems), maxProfileProblems)])
		}
		now := s.deps.Clock.Now().UTC().Truncate(time.Second)
		err = m.db.Update(func(tx *state.Tx) error {
			if !m.fetch.current(gen) {
				return nil // a reset or an import came in between
			}
			for _, remote := range ids {
				u, ok := m.userByRemoteID(imbaID, remote)
				if !ok {
					continue
				}
				if p, ok := profiles[remote]; ok {
					p.apply(&u)
					u.UpdatedAt = now
				}
				u.ProfileAt = &now
				m.users.Put(tx, u)
			}
			return nil
		})
		if err != nil && log != nil {
			log.Error("imbachat: storing the site's profiles failed", "widget", imbaID, "error", err.Error())
		}
	}
}

// siteProfile is what chatemu keeps of a profile the site answered.
type siteProfile struct {
	name, avatarURL, role string
	data                  json.RawMessage // the profile as sent, compacted
}

// apply writes the profile into a user: the name, the avatar (when the site
// gives one), the status (from chat_role admin or user) and user_data (the
// profile as the site sent it).
func (p *siteProfile) apply(u *user) {
	u.Name, u.UserData = p.name, p.data
	if p.avatarURL != "" {
		u.AvatarURL = p.avatarURL
	}
	if p.role != "" {
		u.Status = p.role
	}
}

// profileItem is one element of the answer, its fields left raw.
type profileItem struct {
	UserID    json.RawMessage `json:"user_id"`
	Name      json.RawMessage `json:"name"`
	AvatarURL json.RawMessage `json:"avatar_url"`
	ChatRole  json.RawMessage `json:"chat_role"`
}

// parseProfiles reads a users info answer: a JSON array of profiles, each
// with user_id (a number or a string) and name (a string), optionally
// avatar_url and chat_role. The error says why the answer as a whole is
// unusable; problems name the profiles skipped: one that is not an object,
// lacks user_id or name, names an id not asked for or already answered, or
// holds a string longer than its column.
func parseProfiles(body []byte, asked []string) (map[string]siteProfile, []string, error) {
	if len(body) >= outbound.MaxReplyBody {
		return nil, nil, fmt.Errorf("the answer is %d bytes or longer: only that much is read, so it is cut", outbound.MaxReplyBody)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, nil, fmt.Errorf("not a JSON array: %q", clipText(string(trimmed), 80))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(trimmed, &items); err != nil {
		return nil, nil, fmt.Errorf("not a JSON array: %w", err)
	}
	want := make(map[string]bool, len(asked))
	for _, id := range asked {
		want[id] = true
	}
	out := map[string]siteProfile{}
	var problems []string
	for i, raw := range items {
		id, p, why := readProfile(raw)
		switch {
		case why != "":
		case !want[id]:
			why = fmt.Sprintf("user_id %q was not asked for", clipText(id, 40))
		default:
			if _, dup := out[id]; dup {
				why = fmt.Sprintf("user_id %q is answered twice: the first is kept", id)
			}
		}
		if why != "" {
			problems = append(problems, fmt.Sprintf("[%d]: %s", i, why))
			continue
		}
		out[id] = p
	}
	return out, problems, nil
}

// readProfile reads one profile of the answer: its user id, the profile,
// or why it is skipped.
func readProfile(raw json.RawMessage) (string, siteProfile, string) {
	var it profileItem
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &it) != nil {
		return "", siteProfile{}, "not an object"
	}
	id, ok := jsonID(it.UserID)
	if !ok {
		return "", siteProfile{}, "user_id is missing or not a number or a string"
	}
	var p siteProfile
	if n := bytes.TrimSpace(it.Name); len(n) == 0 || n[0] != '"' || json.Unmarshal(n, &p.name) != nil {
		return id, p, "name is missing or not a string"
	}
	// Absent, null or false (WordPress omits gravatars), or not an
	// absolute http URL: the user keeps the avatar it has.
	if json.Unmarshal(it.AvatarURL, &p.avatarURL) != nil || !absoluteHTTP(p.avatarURL) {
		p.avatarURL = ""
	}
	var role string
	if json.Unmarshal(it.ChatRole, &role) == nil && (role == "admin" || role == "user") {
		p.role = role
	}
	var data bytes.Buffer
	if err := json.Compact(&data, raw); err != nil {
		return id, p, "not JSON"
	}
	p.data = data.Bytes()
	for _, f := range []field{{"name", p.name, varcharColumn}, {"avatar_url", p.avatarURL, varcharColumn}, {"user_data", string(p.data), textColumn}} {
		if why := f.bound.exceeded(f.value); why != "" {
			return id, p, f.name + ": " + why
		}
	}
	return id, p, ""
}

// jsonID reads a user id sent as a JSON number or string.
func jsonID(raw json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "", false
	}
	if t[0] == '"' {
		var s string
		if json.Unmarshal(t, &s) != nil || strings.TrimSpace(s) == "" {
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	var n json.Number
	if json.Unmarshal(t, &n) != nil {
		return "", false
	}
	return n.String(), true
}

// clipText cuts s to at most n bytes on a character boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
