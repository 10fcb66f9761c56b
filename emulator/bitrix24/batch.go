package bitrix24

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// batchMaxLength is CRestUtil::BATCH_MAX_LENGTH.
const batchMaxLength = 50

// batchResult is batch's answer: five maps keyed like cmd, each a JSON
// array when its keys are 0..n-1 (and when empty), as PHP encodes them.
type batchResult struct {
	Result      *ordered `json:"result"`
	ResultError *ordered `json:"result_error"`
	ResultTotal *ordered `json:"result_total"`
	ResultNext  *ordered `json:"result_next"`
	ResultTime  *ordered `json:"result_time"`
}

// Bounds of $result[...] substitution. A reference copies an earlier
// command's result (or any part of it) into a command's parameters, so a
// few bytes of query can stand for megabytes, and commands that store what
// they are given and read it back can double that at every step. What
// substitution produces is counted as it is produced (about the size of
// the parameters as JSON text: keys, values, one byte per element) and
// stops at the first bound it passes.
const (
	// maxCommandExpansion bounds one command's parameters after
	// substitution.
	maxCommandExpansion = 1 << 20
	// maxBatchExpansion bounds what substitution produces over all the
	// commands of one batch (the size of the largest request body).
	maxBatchExpansion = core.DefaultMaxBodyBytes
)

// batchRun is the state of one batch: the answer being built, the plain
// (JSON) values $result[...] references read and how much substitution has
// produced so far.
type batchRun struct {
	out      batchResult
	plain    map[string]map[string]any // "result", "error", "time", "next", "total" -> key -> value
	expanded int
}

func newBatchRun() *batchRun {
	return &batchRun{
		out: batchResult{Result: newOrdered(), ResultError: newOrdered(), ResultTotal: newOrdered(),
			ResultNext: newOrdered(), ResultTime: newOrdered()},
		plain: map[string]map[string]any{"result": {}, "error": {}, "time": {}, "next": {}, "total": {}},
	}
}

// batch implements batch (reference §4): up to 50 commands "method?query"
// from cmd (a map or a list), run in order with the caller's credentials,
// each checked against the credential's scope (insufficient_scope with an
// empty description). References $result[cmd][field] (and $next, $total,
// $time, $error) in a command's parameters are replaced after its query is
// decoded. halt stops after the first failing command. The answer is HTTP
// 200 whatever the commands did. Commands past the 50th are not run and
// answer ERROR_BATCH_LENGTH_EXCEEDED; a nested batch answers
// ERROR_BATCH_METHOD_NOT_ALLOWED; values that are not strings are skipped.
func (s *Service) batch(c *call) (any, error) {
	a := c.args()
	halt := a.isSet("HALT") && phpBool(a.value("HALT"))
	run := newBatchRun()
	cmd := a.value("CMD")
	if !cmd.IsTree() {
		return run.out, nil
	}
	n := 0
	for _, key := range cmd.Keys() {
		text, isString := cmd.Lookup(key).Scalar().(string)
		if !isString {
			continue
		}
		if n == batchMaxLength {
			run.fail(key, methodError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded"))
			continue
		}
		n++
		failed, err := s.runCommand(c, run, key, text)
		if err != nil {
			return nil, err
		}
		if failed && halt {
			break
		}
	}
	return run.out, nil
}

func (run *batchRun) fail(key string, e *core.APIError) {
	_, code, text := errorFields(e)
	body := errorBody{Error: code, ErrorDescription: text}
	run.out.ResultError.set(key, body)
	run.plain["error"][key] = map[string]any{"error": code, "error_description": text}
}

// runCommand runs one command; failed reports a command error (recorded in
// result_error), err a failure of the emulator itself.
func (s *Service) runCommand(c *call, run *batchRun, key, text string) (failed bool, err error) {
	name, query := splitCommand(text)
	m := s.methods[name]
	begin := s.deps.Clock.Now()
	var params *core.Value
	var cmdErr *core.APIError
	var result any
	switch {
	case name == "batch":
		cmdErr = core.VendorError(http.StatusMethodNotAllowed, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage")
	case m == nil || (m.docOnly && c.p.Portal.Strict):
		cmdErr = methodNotFound()
	case !c.p.hasScope(m.scope):
		cmdErr = authError("insufficient_scope", "")
	default:
		params, err = run.params(query)
		if err != nil {
			if !errors.As(err, &cmdErr) {
				return false, err
			}
			params = nil // refused: too many or too deep parameters, or too large once substituted
			break
		}
		result, err = m.call(&call{req: c.req, p: c.p, params: params, now: begin})
		switch {
		case err == nil, errors.As(err, &cmdErr):
		case errors.Is(err, state.ErrSequenceExhausted):
			cmdErr = idsExhausted(err) // this command's failure, as any other
		default:
			return false, err
		}
	}
	end := s.deps.Clock.Now()
	if m != nil && m.docOnly && c.p.Portal.Strict {
		m = nil // unknown to a strict portal
	}
	s.journalCommand(c, m, key, params, cmdErr, begin, end)
	if cmdErr != nil {
		run.fail(key, cmdErr)
		return true, nil
	}
	tb := newTimeBlock(begin, end)
	run.out.Result.set(key, result)
	run.out.ResultTime.set(key, tb)
	run.plain["result"][key] = plainJSON(result)
	run.plain["time"][key] = plainJSON(tb)
	return false, nil
}

// splitCommand splits "method?query" the way parse_url does: the method is
// the path (lower-cased for lookup), the query what follows "?" up to a
// fragment.
func splitCommand(text string) (string, string) {
	name, query, _ := strings.Cut(text, "?")
	query, _, _ = strings.Cut(query, "#")
	return strings.ToLower(strings.TrimSpace(name)), query
}

// errorFields is how an error reads in an error body.
func errorFields(e *core.APIError) (int, string, string) {
	r := renderError(nil, e)
	var b errorBody
	_ = json.Unmarshal(r.Raw, &b)
	return r.Status, b.Error, b.ErrorDescription
}

// journalCommand records a batch command in the journal under its own
// route name, so that tests find it however it was called.
func (s *Service) journalCommand(c *call, m *method, key string, params *core.Value, cmdErr *core.APIError,
	begin, end time.Time) {
	if s.deps.Journal == nil {
		return
	}
	ex := core.Exchange{Time: begin, Vendor: vendorName, Method: c.req.HTTP.Method, Path: c.req.HTTP.URL.Path,
		Tenant: tenant(c.p.Portal.Name), Status: http.StatusOK, Note: "batch command " + key,
		Duration: end.Sub(begin)}
	if m != nil {
		ex.Operation = vendorName + "." + m.name
	}
	if params != nil {
		ex.Params = core.SummarizeParams(params)
	}
	if cmdErr != nil {
		ex.Status, ex.Error, _ = errorFields(cmdErr)
	}
	s.deps.Journal.Record(ex)
}

// plainJSON is a result as JSON data (maps, slices, json.Number, strings),
// for references to walk.
func plainJSON(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil
	}
	return out
}

// params decodes a command's query (PHP parse_str: + is a space, %XX
// decoded, brackets nest) and replaces the references in it. A query over
// the request caps, or one whose substitution passes maxCommandExpansion or
// what is left of maxBatchExpansion, is a *core.APIError (413
// REQUEST_TOO_LARGE) for the command alone.
func (run *batchRun) params(query string) (*core.Value, error) {
	p, err := core.DecodeRequest(&http.Request{Method: http.MethodGet, URL: &url.URL{RawQuery: query}, Header: http.Header{}},
		core.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	if !strings.Contains(query, "$") && !strings.Contains(query, "%24") {
		return p.Root(), nil
	}
	budget := min(maxCommandExpansion, maxBatchExpansion-run.expanded)
	x := &expansion{run: run, left: budget}
	substituted := x.substitute(plainTree(p.Root()))
	run.expanded += budget - max(x.left, 0)
	if x.left < 0 {
		if budget < maxCommandExpansion {
			return nil, errExpansion(fmt.Sprintf("the batch's commands expand to more than %d bytes of parameters after $result substitution", maxBatchExpansion))
		}
		return nil, errExpansion(fmt.Sprintf("the command's parameters expand to more than %d bytes after $result substitution", maxCommandExpansion))
	}
	tree := substituted.(*ordered)
	body, err := tree.objectJSON()
	if err != nil {
		return nil, err
	}
	r := &http.Request{Method: http.MethodPost, URL: &url.URL{}, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body))}
	q, err := core.DecodeRequest(r, core.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	return q.Root(), nil
}

// plainTree turns a parameter tree into ordered maps and scalars.
func plainTree(v *core.Value) any {
	if !v.IsTree() {
		return v.Scalar()
	}
	o := newOrdered()
	for _, k := range v.Keys() {
		o.set(k, plainTree(v.Lookup(k)))
	}
	return o
}

// reference matches $result[key][field]... (and $next, $total, $time,
// $error), case-insensitively.
var reference = regexp.MustCompile(`(?i)\$(result|next|total|time|error)((?:\[[^\]]*\])+)`)

var bracketKey = regexp.MustCompile(`\[([^\]]*)\]`)

// errExpansion is a command refused for what its references expand to.
func errExpansion(text string) *core.APIError {
	return &core.APIError{Kind: core.KindTooLarge, Status: http.StatusRequestEntityTooLarge, Message: text}
}

// expansion is one command's substitution: what it may still produce
// (left goes below zero when a bound is passed, and the work stops).
type expansion struct {
	run  *batchRun
	left int
}

// substitute replaces references in keys and values: a value that is
// nothing but a reference becomes the referenced value itself (a number,
// an array); a reference inside longer text is replaced by a string or
// number and left as it is otherwise.
func (x *expansion) substitute(v any) any {
	switch t := v.(type) {
	case *ordered:
		o := newOrdered()
		for _, k := range t.keys {
			x.left--
			key := x.splice(k)
			if x.left < 0 {
				return o
			}
			o.set(key, x.substitute(t.vals[k]))
			if x.left < 0 {
				return o
			}
		}
		return o
	case string:
		if m := reference.FindStringSubmatchIndex(t); m != nil && m[0] == 0 && m[1] == len(t) {
			r := x.run.resolve(t)
			x.charge(r)
			return r
		}
		return x.splice(t)
	case nil:
		return nil
	}
	x.left -= len(fmt.Sprint(v))
	return v
}

// splice replaces the references inside s, counting what it writes.
func (x *expansion) splice(s string) string {
	if !strings.Contains(s, "$") {
		x.left -= len(s)
		return s
	}
	var b strings.Builder
	rest := s
	for {
		m := reference.FindStringIndex(rest)
		if m == nil {
			break
		}
		b.WriteString(rest[:m[0]])
		ref := rest[m[0]:m[1]]
		switch v := x.run.resolve(ref).(type) {
		case string:
			b.WriteString(v)
		case json.Number:
			b.WriteString(v.String())
		default:
			b.WriteString(ref)
		}
		rest = rest[m[1]:]
		if b.Len() > x.left {
			x.left = -1
			return ""
		}
	}
	b.WriteString(rest)
	x.left -= b.Len()
	return b.String()
}

// charge counts a referenced value (plain JSON) against the budget,
// stopping as soon as it runs out.
func (x *expansion) charge(v any) {
	x.left--
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if x.left -= len(k); x.left < 0 {
				return
			}
			if x.charge(c); x.left < 0 {
				return
			}
		}
	case []any:
		for _, c := range t {
			if x.charge(c); x.left < 0 {
				return
			}
		}
	case string:
		x.left -= len(t)
	case json.Number:
		x.left -= len(t)
	case bool, nil:
		x.left -= 4
	}
}

// resolve walks a reference as far as its keys exist.
func (run *batchRun) resolve(ref string) any {
	m := reference.FindStringSubmatch(ref)
	acc := run.plain[strings.ToLower(m[1])]
	var cur any = map[string]any(acc)
	for _, k := range bracketKey.FindAllStringSubmatch(m[2], -1) {
		next, ok := child(cur, k[1])
		if !ok {
			break
		}
		cur = next
	}
	return cur
}

func child(v any, key string) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		c, ok := t[key]
		return c, ok
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(t) {
			return nil, false
		}
		return t[i], true
	}
	return nil, false
}
