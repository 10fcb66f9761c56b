package imbox

import (
	"fmt"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// This file checks fixture and seed sections for what their schema
// cannot see (docs/imbox.md, "Seeds and fixture files"): ids defined
// twice, references to nothing, impossible dates, texts past their bounds.

// sectionCheck is one pass over a fixture section: it collects what is
// wrong, each problem at its JSON pointer from the document's root
// ("/imbox/agents/0/sid"), and what the section defines so far, so that
// references resolve to the section first and to the current state after.
// The first pass only checks (write false); the second, run when the
// first found nothing, writes. So a refused section moves no sequence.
type sectionCheck struct {
	write    bool
	problems []core.Problem
	// The section's items by id, each with its path.
	accounts      map[int64]string
	agents        map[int64]string
	pageFilters   map[int64]string
	conversations map[channelKey]string
	messages      map[int64]string
	// keys are the API keys the section gave, by key and by sid.
	keyOwner map[string]int64
	sidKey   map[int64]string
	// agentDefs are the section's agents.
	agentDefs map[int64]agent
}

func newSectionCheck(write bool) *sectionCheck {
	return &sectionCheck{write: write, accounts: map[int64]string{}, agents: map[int64]string{}, pageFilters: map[int64]string{},
		conversations: map[channelKey]string{}, messages: map[int64]string{},
		keyOwner: map[string]int64{}, sidKey: map[int64]string{}, agentDefs: map[int64]agent{}}
}

// add records a problem at path.
func (c *sectionCheck) add(path, format string, args ...any) {
	c.problems = append(c.problems, core.Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// defineOnce records that path defines id; false (with a problem at path) when
// an earlier item of the section defines it already.
func defineOnce[K comparable](c *sectionCheck, seen map[K]string, id K, path, what string) bool {
	if earlier, dup := seen[id]; dup {
		c.add(path, "%s is defined twice in this section (also at %s)", what, earlier)
		return false
	}
	seen[id] = path
	return true
}

// date parses an RFC 3339 date at path (def when s is empty); a date
// that does not exist (2020-02-30, 2020-00-00) is a problem and reads as
// def.
func (c *sectionCheck) date(path, s string, def time.Time) time.Time {
	if s == "" {
		return def
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.add(path, "expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z, got %q", s)
		return def
	}
	return instant(t)
}

// text refuses a text over max bytes at path.
func (c *sectionCheck) text(path, name, s string, max int) {
	if reason := tooLong(name, s, max); reason != "" {
		c.add(path, "%s", reason)
	}
}

// notBefore refuses a date before the start of what holds it.
func (c *sectionCheck) notBefore(path string, t, start time.Time, what string) {
	if t.Before(start) {
		c.add(path, "%s is before %s %s", formatDate(t), what, formatDate(start))
	}
}

// requireAccount checks that sid is an account of the section or of the
// current state.
func (m *model) requireAccount(c *sectionCheck, path string, sid int64) bool {
	if _, defined := c.accounts[sid]; defined || m.hasAccount(sid) {
		return true
	}
	c.add(path, "account sid %d is not defined", sid)
	return false
}

// keyOwner is the account an API key belongs to, the section's accounts
// so far written over the current state's; 0 for none.
func (m *model) keyOwner(c *sectionCheck, key string) int64 {
	if sid, ok := c.keyOwner[key]; ok {
		return sid
	}
	a := m.authedBy(key)
	if a == nil {
		return 0
	}
	sid := a.principal.Account.SID
	if k, rekeyed := c.sidKey[sid]; rekeyed && k != key {
		return 0 // the section gives that account another key
	}
	return sid
}

// sectionAgent is an agent of sid, the section's agents first.
func (m *model) sectionAgent(c *sectionCheck, sid, id int64) (agent, bool) {
	if a, ok := c.agentDefs[id]; ok {
		return a, a.SID == sid
	}
	return m.accountAgent(sid, id)
}

// messageOwner names the conversation a stored message belongs to, unless
// the section replaced that conversation so far (with its messages).
func (m *model) messageOwner(c *sectionCheck, id int64) (message, bool) {
	existing, found := m.messages.Get(id)
	if !found {
		return existing, false
	}
	_, replaced := c.conversations[channelKey{existing.SID, existing.Channel}]
	return existing, !replaced
}

// clip shortens a text quoted in a reason.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	for i := range s {
		if i > max {
			return s[:i] + "…"
		}
	}
	return s
}
