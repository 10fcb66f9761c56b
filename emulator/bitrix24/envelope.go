package bitrix24

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

// success is Bitrix24's success envelope: the method's result and the time
// block clients require (b24phpsdk needs all six base fields; b24jssdk
// fails without the object).
type success struct {
	Result any       `json:"result"`
	Time   timeBlock `json:"time"`
}

// timeBlock is the "time" object. As in current server code, start and
// processing are integers and finish and duration floats; dates are PHP
// date('c') in the emulator clock's zone (UTC).
type timeBlock struct {
	Start      int64    `json:"start"`
	Finish     phpFloat `json:"finish"`
	Duration   phpFloat `json:"duration"`
	Processing int64    `json:"processing"`
	DateStart  string   `json:"date_start"`
	DateFinish string   `json:"date_finish"`
}

// dateLayout is PHP's date('c').
const dateLayout = "2006-01-02T15:04:05-07:00"

// newTimeBlock measures a call that started at start and ended at finish
// (both from the emulator clock).
func newTimeBlock(start, finish time.Time) timeBlock {
	if finish.Before(start) {
		finish = start
	}
	s := start.Unix()
	f := float64(finish.UnixMicro()) / 1e6
	d := f - float64(s)
	return timeBlock{Start: s, Finish: phpFloat(f), Duration: phpFloat(d), Processing: int64(d),
		DateStart: phpDate(start), DateFinish: phpDate(finish)}
}

// lastDate is the most recent phpDate: every answer writes two dates, and
// under load most of them fall in the same second.
var lastDate atomic.Pointer[formattedDate]

type formattedDate struct {
	unix int64
	text string
}

// phpDate is t in UTC as PHP's date('c').
func phpDate(t time.Time) string {
	sec := t.Unix()
	if d := lastDate.Load(); d != nil && d.unix == sec {
		return d.text
	}
	text := t.UTC().Format(dateLayout)
	lastDate.Store(&formattedDate{unix: sec, text: text})
	return text
}

// phpFloat encodes like PHP's json_encode of a float: the shortest
// round-tripping digits, and a ".0" on whole numbers.
type phpFloat float64

// MarshalJSON implements json.Marshaler.
func (f phpFloat) MarshalJSON() ([]byte, error) { return f.appendJSON(nil), nil }

func (f phpFloat) appendJSON(b []byte) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, float64(f), 'f', -1, 64)
	if !bytes.ContainsAny(b[start:], ".eE") {
		b = append(b, ".0"...)
	}
	return b
}

// MarshalJSON implements json.Marshaler: the same bytes the fields' tags
// give, written directly (every Bitrix24 answer carries a time block).
// The dates are ASCII digits and punctuation, which JSON needs no escape
// for.
func (t timeBlock) MarshalJSON() ([]byte, error) { return t.appendJSON(make([]byte, 0, 160)), nil }

func (t timeBlock) appendJSON(b []byte) []byte {
	b = append(b, `{"start":`...)
	b = strconv.AppendInt(b, t.Start, 10)
	b = append(b, `,"finish":`...)
	b = t.Finish.appendJSON(b)
	b = append(b, `,"duration":`...)
	b = t.Duration.appendJSON(b)
	b = append(b, `,"processing":`...)
	b = strconv.AppendInt(b, t.Processing, 10)
	b = append(b, `,"date_start":"`...)
	b = append(b, t.DateStart...)
	b = append(b, `","date_finish":"`...)
	b = append(b, t.DateFinish...)
	return append(b, `"}`...)
}

// ordered is a PHP array with string keys in insertion order: a JSON
// array when its keys are exactly 0..n-1 in order (and when empty), else an
// object, as json_encode decides.
type ordered struct {
	keys []string
	vals map[string]any
}

func newOrdered() *ordered { return &ordered{vals: map[string]any{}} }

func (o *ordered) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *ordered) isList() bool {
	for i, k := range o.keys {
		if k != strconv.Itoa(i) {
			return false
		}
	}
	return true
}

// MarshalJSON implements json.Marshaler.
func (o *ordered) MarshalJSON() ([]byte, error) { return o.encode(o.isList()) }

// objectJSON encodes o as a JSON object whatever its keys.
func (o *ordered) objectJSON() ([]byte, error) { return o.encode(false) }

func (o *ordered) encode(list bool) ([]byte, error) {
	var b bytes.Buffer
	if list {
		b.WriteByte('[')
	} else {
		b.WriteByte('{')
	}
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if !list {
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
		}
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	if list {
		b.WriteByte(']')
	} else {
		b.WriteByte('}')
	}
	return b.Bytes(), nil
}

// The server's response header values, shared by every answer: header
// values are replaced, never changed in place.
var (
	corsOrigin  = []string{"*"}
	corsHeaders = []string{"origin, content-type, accept"}
	noSniff     = []string{"nosniff"}
)

// encode renders v as Bitrix24's PHP JSON (Bitrix\Main\Web\Json::encode:
// JSON_HEX_TAG|JSON_HEX_AMP|JSON_HEX_APOS|JSON_HEX_QUOT, slashes escaped,
// Unicode kept raw) with the server's response headers.
func encode(status int, v any) *core.Response {
	raw, err := json.Marshal(v)
	if err != nil {
		raw = []byte(`{"error":"WRONG_ENCODING","error_description":"Wrong request encoding"}`)
		status = http.StatusInternalServerError
	}
	h := http.Header{
		"Access-Control-Allow-Origin":  corsOrigin,
		"Access-Control-Allow-Headers": corsHeaders,
		"X-Content-Type-Options":       noSniff,
	}
	return &core.Response{Status: status, Header: h, Raw: phpEscape(raw), ContentType: "application/json; charset=utf-8"}
}

// successHeaders are the server's headers on a success answer, one map for
// every answer: core.Response.Write only reads it (error answers, whose
// headers the adapter may add to, get a map of their own from encode).
var successHeaders = http.Header{
	"Access-Control-Allow-Origin":  corsOrigin,
	"Access-Control-Allow-Headers": corsHeaders,
	"X-Content-Type-Options":       noSniff,
}

// encodeSuccess is encode(200, success{result, tb}) written directly: the
// bytes are the same (a test compares both over every kind of result), at
// a fraction of the cost, since every call answers through it. The time
// block holds no string that needs escaping, so only the result goes
// through phpEscape; a list of ids, the commonest result, is written
// without reflection.
func encodeSuccess(result any, tb timeBlock) *core.Response {
	b := make([]byte, 0, 256)
	b = append(b, `{"result":`...)
	switch r := result.(type) {
	case []int64:
		b = appendIDs(b, r)
	case bool:
		b = strconv.AppendBool(b, r)
	case int64:
		b = strconv.AppendInt(b, r, 10)
	case int:
		b = strconv.AppendInt(b, int64(r), 10)
	default:
		raw, err := json.Marshal(result)
		if err != nil {
			return encode(http.StatusOK, success{Result: result, Time: tb}) // its error answer
		}
		b = appendPHPEscaped(b, raw)
	}
	b = append(b, `,"time":`...)
	b = tb.appendJSON(b)
	b = append(b, '}')
	return &core.Response{Status: http.StatusOK, Header: successHeaders, Raw: b, ContentType: "application/json; charset=utf-8"}
}

// appendIDs appends ids as a JSON array of integers, as encoding/json
// does (nil is null).
func appendIDs(b []byte, ids []int64) []byte {
	if ids == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return append(b, ']')
}

// phpEscape rewrites the string escapes of Go's JSON into PHP's: inside
// strings, `"` becomes \u0022, `'` \u0027, `/` \/, and Go's \u003c, \u003e
// and \u0026 take PHP's upper-case hex.
func phpEscape(in []byte) []byte { return appendPHPEscaped(make([]byte, 0, len(in)+len(in)/16), in) }

// appendPHPEscaped appends phpEscape(in) to out.
func appendPHPEscaped(out, in []byte) []byte {
	inString := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			out = append(out, c)
			continue
		}
		switch c {
		case '"':
			inString = false
			out = append(out, c)
		case '\'':
			out = append(out, `\u0027`...)
		case '/':
			out = append(out, `\/`...)
		case '\\':
			if i+1 < len(in) && in[i+1] == '"' {
				out = append(out, `\u0022`...)
				i++
				continue
			}
			if i+5 < len(in) && in[i+1] == 'u' {
				switch string(in[i+2 : i+6]) {
				case "003c", "003e", "0026":
					out = append(out, '\\', 'u', '0', '0', in[i+4], upperHex(in[i+5]))
					i += 5
					continue
				}
			}
			// any other escape: copy it and the escaped byte as they are
			out = append(out, c)
			if i+1 < len(in) {
				i++
				out = append(out, in[i])
			}
		default:
			out = append(out, c)
		}
	}
	return out
}

func upperHex(c byte) byte {
	if c >= 'a' && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}
