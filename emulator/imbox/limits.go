package imbox

import (
	"fmt"
	"regexp/syntax"

	"github.com/chatemu/chatemu/internal/core"
)

// Bounds on the text ImBox stores, in bytes of UTF-8 (docs/reliability.md,
// "ImBox"). Past them the control plane answers 400 and changes nothing,
// and a seed or fixture file is refused with the field's path. They keep
// every stored value, and the cost of matching page filters against
// pages, bounded.
const (
	// maxShortText bounds names, tags, labels, card ids, groups,
	// departments, e-mails, API keys and the visitor's details.
	maxShortText = 256
	// maxPage bounds a page URL (the pages a visitor joins from, exitPage,
	// agentPicture): twice the 2,048 characters browsers and search
	// engines reliably keep.
	maxPage = 4096
	// maxLongText bounds a message, a system event and a card's data.
	maxLongText = 32 << 10
	// maxFilter bounds a like, exact or startsWith page filter.
	maxFilter = 2048
	// maxRegex and maxRegexProgram bound a regex page filter: its text and
	// the instructions it compiles to (a repetition such as a{0,9} counts
	// nine times), since matching costs their number times the page's
	// length.
	maxRegex        = 256
	maxRegexProgram = 500
)

// tooLong is why a text over max bytes is refused, "" when it fits.
func tooLong(name, s string, max int) string {
	if len(s) <= max {
		return ""
	}
	return fmt.Sprintf("%s is limited to %d bytes, got %d", name, max, len(s))
}

// checkLen refuses a control-plane text over max bytes.
func checkLen(name, s string, max int) *core.APIError {
	if reason := tooLong(name, s, max); reason != "" {
		return errBadRequest("%s", reason)
	}
	return nil
}

// filterProblem is why a page filter's searchFilter is refused, "" when
// it is fine: too long for its match type, or a regex that does not
// compile or compiles too large.
func filterProblem(matchType, filter string) string {
	if matchType != matchRegex {
		return tooLong("searchFilter", filter, maxFilter)
	}
	if reason := tooLong("a regex searchFilter", filter, maxRegex); reason != "" {
		return reason
	}
	re, err := syntax.Parse(filter, syntax.Perl)
	if err != nil {
		return fmt.Sprintf("not a valid regular expression: %v", err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return fmt.Sprintf("not a valid regular expression: %v", err)
	}
	if n := len(prog.Inst); n > maxRegexProgram {
		return fmt.Sprintf("a regex searchFilter may compile to at most %d instructions, this one takes %d (write repetitions such as {0,50} out less)", maxRegexProgram, n)
	}
	return ""
}
