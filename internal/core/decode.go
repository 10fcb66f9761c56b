package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unsafe"
)

// DecodeOptions bound and shape request decoding for one vendor.
type DecodeOptions struct {
	// MaxBodyBytes caps the request body; a larger body is refused with
	// KindTooLarge. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxParams caps how many leaf values one request may carry (PHP's
	// max_input_vars). Zero means DefaultMaxParams.
	MaxParams int
	// MaxDepth caps bracket nesting (PHP's max_input_nesting_level). Zero
	// means DefaultMaxDepth.
	MaxDepth int
	// RepeatedAsList turns a plain key sent more than once
	// (pageFilterId=1&pageFilterId=2) into a list instead of keeping the
	// last value as PHP does.
	RepeatedAsList bool
	// IgnoreMalformedBody drops a body that does not parse (broken JSON, a
	// multipart body without its boundary) and keeps the query parameters,
	// as servers that decode leniently do, instead of failing with
	// KindMalformed. Size limits still apply.
	IgnoreMalformedBody bool
}

// Decoding limits used when DecodeOptions leave them zero.
const (
	DefaultMaxBodyBytes = 8 << 20
	DefaultMaxParams    = 10000
	DefaultMaxDepth     = 32
)

func (o DecodeOptions) withDefaults() DecodeOptions {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxParams <= 0 {
		o.MaxParams = DefaultMaxParams
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	return o
}

// DecodeRequest reads the query string and the body (form-urlencoded,
// multipart or JSON; a body without a content type is sniffed) into one
// parameter tree. Body names replace query names at the top level. Errors
// are *APIError of KindMalformed or KindTooLarge.
func DecodeRequest(r *http.Request, opts DecodeOptions) (*Params, error) {
	noBody := r.Body == nil || r.Body == http.NoBody
	if noBody && r.URL.RawQuery == "" {
		return noParams, nil // nothing to decode; nothing changes a built tree
	}
	opts = opts.withDefaults()
	b := &builder{opts: opts, root: newTree()}
	// net/http's query is a slice of the request line: from a long line
	// (a 900 KB path), a short value would keep all of it alive.
	query := r.URL.RawQuery
	if len(r.RequestURI) > shareLimit {
		query = strings.Clone(query)
	}
	if err := b.addQuery(query); err != nil {
		return nil, err
	}
	if noBody {
		return &Params{root: b.root, source: len(r.URL.RawQuery)}, nil
	}
	body, err := readBody(r, opts.MaxBodyBytes+1)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			// The server's read timeout ended a body sent too slowly; the
			// error text would only name the two sockets.
			return nil, Malformed("the request body did not arrive within the server's read timeout")
		}
		return nil, Malformed("reading the request body: %v", err)
	}
	if int64(len(body)) > opts.MaxBodyBytes {
		return nil, &APIError{Kind: KindTooLarge, Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("request body exceeds %d bytes", opts.MaxBodyBytes)}
	}
	source := len(r.URL.RawQuery) + len(body)
	if len(bytes.TrimSpace(body)) == 0 {
		return &Params{root: b.root, source: source}, nil
	}
	bodyTree := &builder{opts: opts, root: newTree(), count: b.count}
	if err := bodyTree.addBody(r.Header.Get("Content-Type"), body); err != nil {
		var apiErr *APIError
		if opts.IgnoreMalformedBody && errors.As(err, &apiErr) && apiErr.Kind == KindMalformed {
			return &Params{root: b.root, source: source}, nil
		}
		return nil, err
	}
	for _, k := range bodyTree.root.kids {
		b.root.set(k.name, k.val)
	}
	return &Params{root: b.root, source: source}, nil
}

// readBody reads up to limit bytes of r's body, in one buffer of the
// announced length when there is one (a large body is not copied over and
// over as the buffer grows).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n < limit {
		// The server stops the body at its announced length (0 may mean
		// unknown, as for a request made in process).
		buf := make([]byte, n)
		_, err := io.ReadFull(r.Body, buf)
		return buf, err
	}
	return io.ReadAll(io.LimitReader(r.Body, limit))
}

// Malformed builds a KindMalformed error with a formatted message.
func Malformed(format string, args ...any) *APIError {
	return &APIError{Kind: KindMalformed, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

type builder struct {
	opts  DecodeOptions
	root  *Value
	count int
	seen  map[string]bool // plain keys seen, for RepeatedAsList
}

func (b *builder) addBody(contentType string, body []byte) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil {
		mediaType = sniff(body)
	}
	switch {
	case mediaType == "application/x-www-form-urlencoded":
		return b.addQuery(bodyText(body))
	case strings.HasPrefix(mediaType, "multipart/"):
		return b.addMultipart(body, params["boundary"])
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") || mediaType == "text/json":
		return b.addJSON(body)
	default:
		// text/plain and anything unknown: decode by what the bytes look like.
		if sniff(body) == "application/json" {
			return b.addJSON(body)
		}
		return b.addQuery(bodyText(body))
	}
}

func sniff(body []byte) string {
	t := bytes.TrimSpace(body)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return "application/json"
	}
	return "application/x-www-form-urlencoded"
}

// bodyText is the request body as a string without copying it: the body
// is read into a buffer of its own that nothing writes to afterwards, and
// the values of a large one are copied out (shareLimit), so a string
// sharing it is safe and an 8 MiB form costs no second 8 MiB.
func bodyText(body []byte) string { return unsafe.String(unsafe.SliceData(body), len(body)) }

// shareLimit is the largest query or form body whose values may share its
// memory: values of a larger one are copied, so that a short value kept
// (a stored title, a journaled parameter) never keeps megabytes alive.
const shareLimit = 16 << 10

// addQuery decodes a=b&c[d]=e pairs. Like PHP, a pair that fails to unescape
// is kept as far as it decodes rather than failing the request.
func (b *builder) addQuery(raw string) error {
	copyValues := len(raw) > shareLimit
	for raw != "" {
		// Runs of separators are skipped at once: a body of millions of
		// "&" costs a scan, not a loop turn each.
		raw = strings.TrimLeft(raw, "&")
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		if copyValues {
			key, val = strings.Clone(key), strings.Clone(val)
		}
		if err := b.put(key, val); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) addMultipart(body []byte, boundary string) error {
	if boundary == "" {
		return Malformed("multipart body without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return Malformed("malformed multipart body: %v", err)
		}
		name := part.FormName()
		data, err := io.ReadAll(part)
		if err != nil {
			return Malformed("malformed multipart body: %v", err)
		}
		if name == "" {
			continue
		}
		if err := b.put(name, string(data)); err != nil {
			return err
		}
	}
}

func (b *builder) addJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return malformedJSON(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if _, err := b.jsonValue(dec, tok, 1); err != nil {
			return err
		}
		return Malformed("JSON body must be an object of parameters")
	}
	tree, err := b.jsonValue(dec, tok, 1)
	if err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Malformed("malformed JSON body: unexpected data after the top-level value")
	}
	for _, k := range tree.kids {
		b.root.set(k.name, k.val)
	}
	return nil
}

// jsonValue decodes the JSON value that starts with tok. Object members
// keep the order they were sent in, as PHP's json_decode keeps them (a
// repeated member takes the first one's place and the last one's value).
func (b *builder) jsonValue(dec *json.Decoder, tok json.Token, depth int) (*Value, error) {
	if depth > b.opts.MaxDepth {
		return nil, tooDeep(b.opts.MaxDepth)
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		b.count++
		if b.count > b.opts.MaxParams {
			return nil, tooMany(b.opts.MaxParams)
		}
		return scalarValue(tok), nil
	}
	// Containers count too: an array of empty arrays has no leaves but
	// costs a node each.
	b.count++
	if b.count > b.opts.MaxParams {
		return nil, tooMany(b.opts.MaxParams)
	}
	node := newTree()
	for i := 0; dec.More(); i++ {
		name := fmt.Sprint(i)
		if d == '{' {
			kt, err := dec.Token()
			if err != nil {
				return nil, malformedJSON(err)
			}
			k, _ := kt.(string)
			name = strings.TrimSpace(k)
		}
		vt, err := dec.Token()
		if err != nil {
			return nil, malformedJSON(err)
		}
		c, err := b.jsonValue(dec, vt, depth+1)
		if err != nil {
			return nil, err
		}
		node.set(name, c)
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return nil, malformedJSON(err)
	}
	return node, nil
}

// malformedJSON words a JSON syntax error; a body that stops early is an
// "unexpected EOF", not a plain "EOF".
func malformedJSON(err error) *APIError {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return Malformed("malformed JSON body: %v", err)
}

func tooDeep(n int) *APIError {
	return &APIError{Kind: KindTooLarge, Status: http.StatusRequestEntityTooLarge,
		Message: fmt.Sprintf("parameters nested deeper than %d levels", n)}
}

func tooMany(n int) *APIError {
	return &APIError{Kind: KindTooLarge, Status: http.StatusRequestEntityTooLarge,
		Message: fmt.Sprintf("more than %d parameters in one request", n)}
}

// put stores one key=value pair, expanding PHP bracket syntax:
// a[b][c]=x, a[]=x (append), a[0]=x. Keys and bracket segments are trimmed
// of surrounding white space. A key whose brackets do not close is taken
// literally, whole.
func (b *builder) put(rawKey, val string) error {
	b.count++
	if b.count > b.opts.MaxParams {
		return tooMany(b.opts.MaxParams)
	}
	key := strings.TrimSpace(rawKey)
	if key == "" {
		return nil
	}
	name, segs := splitKey(key)
	if len(segs) > b.opts.MaxDepth {
		return tooDeep(b.opts.MaxDepth)
	}
	if len(segs) == 0 {
		if b.opts.RepeatedAsList {
			return b.putRepeated(name, val)
		}
		b.root.set(name, stringValue(val))
		return nil
	}
	node := b.root.child(name)
	for i, seg := range segs {
		if seg == "" {
			seg = node.nextIndex()
		}
		if i == len(segs)-1 {
			node.set(seg, stringValue(val))
			break
		}
		node = node.child(seg)
	}
	return nil
}

func (b *builder) putRepeated(name, val string) error {
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	cur := b.root.kid(name)
	switch {
	case !b.seen[name] || cur == nil:
		b.root.set(name, stringValue(val))
	case cur.IsTree():
		cur.set(cur.nextIndex(), stringValue(val))
	default:
		list := newTree()
		list.set("0", cur)
		list.set("1", stringValue(val))
		b.root.set(name, list)
	}
	b.seen[name] = true
	return nil
}

// splitKey splits users_ids[0][x] into "users_ids" and ["0","x"]. Unclosed
// brackets make the whole key a plain name.
func splitKey(key string) (string, []string) {
	open := strings.IndexByte(key, '[')
	if open <= 0 {
		return key, nil
	}
	name := strings.TrimSpace(key[:open])
	rest := key[open:]
	var segs []string
	for len(rest) > 0 && rest[0] == '[' {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return key, nil
		}
		segs = append(segs, strings.TrimSpace(rest[1:end]))
		rest = rest[end+1:]
	}
	// PHP ignores anything after the last closing bracket.
	return name, segs
}
