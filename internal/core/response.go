package core

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// Response is what a handler answers: a status, headers and a body that is
// either a value encoded as JSON or raw bytes with their content type.
type Response struct {
	Status      int
	Header      http.Header
	Body        any    // encoded as JSON unless Raw is set
	Raw         []byte // sent as is
	ContentType string // defaults to application/json for Body
}

// JSON answers status with v encoded as JSON.
func JSON(status int, v any) *Response { return &Response{Status: status, Body: v} }

// EncodedJSON answers status with body, JSON already encoded (a cached
// answer, for example). body is only read, so it may be shared.
func EncodedJSON(status int, body []byte) *Response {
	return &Response{Status: status, Raw: body, ContentType: jsonContentType[0]}
}

// OK answers 200 with v encoded as JSON.
func OK(v any) *Response { return JSON(http.StatusOK, v) }

// Encode returns the response body bytes and content type. Values are
// encoded without HTML escaping, so UTF-8 text and URLs go out as sent.
func (r *Response) Encode() ([]byte, string, error) {
	if r.Raw != nil || r.Body == nil {
		ct := r.ContentType
		if ct == "" && r.Raw != nil {
			ct = "application/octet-stream"
		}
		return r.Raw, ct, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Body); err != nil {
		return nil, "", err
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	ct := r.ContentType
	if ct == "" {
		ct = "application/json; charset=utf-8"
	}
	return body, ct, nil
}

// encoder is a reusable JSON encoder writing into its own buffer.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// maxPooledBuffer keeps rare large bodies from pinning their buffers.
const maxPooledBuffer = 64 << 10

// jsonContentType is the default content type's header value; header
// values are only ever replaced, never changed in place, so one slice
// serves every response.
var jsonContentType = []string{"application/json; charset=utf-8"}

// Write sends the response. It reports the status actually written.
func (r *Response) Write(w http.ResponseWriter) (int, error) {
	var body []byte
	var ct string
	var headerCT []string
	if r.Raw != nil || r.Body == nil {
		var err error
		if body, ct, err = r.Encode(); err != nil {
			return 0, err
		}
	} else {
		e := encoders.Get().(*encoder)
		defer func() {
			if e.buf.Cap() <= maxPooledBuffer {
				e.buf.Reset()
				encoders.Put(e)
			}
		}()
		if err := e.enc.Encode(r.Body); err != nil {
			return 0, err
		}
		body = bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
		if ct = r.ContentType; ct == "" {
			headerCT = jsonContentType
		}
	}
	if headerCT == nil && ct == jsonContentType[0] {
		headerCT = jsonContentType
	}
	h := w.Header()
	for k, vs := range r.Header {
		// Shared, not copied: header values are replaced, never changed
		// in place, and a value cut to its length cannot be appended to
		// in place either.
		h[k] = vs[:len(vs):len(vs)]
	}
	switch {
	case headerCT != nil:
		h["Content-Type"] = headerCT
	case ct != "":
		h.Set("Content-Type", ct)
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, err := w.Write(body)
	return status, err
}
