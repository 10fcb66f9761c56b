package bitrix24

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/chatemu/chatemu/internal/core"
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
	// OperatingResetAt and Operating are the cloud's operating-time figures
	// (operating.go), left out on a portal whose limiter is off.
	OperatingResetAt *int64    `json:"operating_reset_at,omitempty"`
	Operating        *phpFloat `json:"operating,omitempty"`
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
	tb := timeBlock{Start: s, Finish: phpFloat(f), Duration: phpFloat(d), Processing: int64(d),
		DateStart: phpDate(start)}
	if finish.Unix() == s {
		tb.DateFinish = tb.DateStart // the same second: the same text
	} else {
		tb.DateFinish = phpDate(finish)
	}
	return tb
}

// phpDate is t in UTC as PHP's date('c').
func phpDate(t time.Time) string { return t.UTC().Format(dateLayout) }

// phpFloat encodes like PHP's json_encode of a float: the shortest
// round-tripping digits, and a ".0" on whole numbers.
type phpFloat float64

// MarshalJSON implements json.Marshaler.
func (f phpFloat) MarshalJSON() ([]byte, error) {
	b := strconv.AppendFloat(nil, float64(f), 'f', -1, 64)
	if !bytes.ContainsAny(b, ".eE") {
		b = append(b, ".0"...)
	}
	return b, nil
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

// successHeaders are the server's headers on a success answer, one map
// for every answer: core.Response.Write only reads it (error answers,
// whose headers the adapter may add to, get a map of their own).
var successHeaders = http.Header{
	"Access-Control-Allow-Origin":  corsOrigin,
	"Access-Control-Allow-Headers": corsHeaders,
	"X-Content-Type-Options":       noSniff,
}

// encodeSuccess is the success envelope of a call's result, timed by tb:
// every answer of a method renders here.
func encodeSuccess(result any, tb timeBlock) *core.Response {
	if m, ok := result.(metered); ok {
		result, tb = m.result, tb.withOperating(m.op)
	}
	raw, err := json.Marshal(success{Result: result, Time: tb})
	if err != nil {
		return encode(http.StatusOK, success{Result: result, Time: tb}) // its error answer
	}
	return &core.Response{Status: http.StatusOK, Header: successHeaders, Raw: phpEscape(raw), ContentType: "application/json; charset=utf-8"}
}

// phpEscape rewrites the string escapes of Go's JSON into PHP's: inside
// strings, `"` becomes \u0022, `'` \u0027, `/` \/, and Go's \u003c, \u003e
// and \u0026 take PHP's upper-case hex.
func phpEscape(in []byte) []byte {
	if bytes.IndexAny(in, `'/\`) < 0 {
		return in // nothing to rewrite: every escape holds a backslash
	}
	return appendPHPEscaped(make([]byte, 0, len(in)+len(in)/16), in)
}

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
