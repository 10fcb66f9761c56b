package core

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// TestJSONKeepsMemberOrder checks that JSON object members keep the order
// they were sent in, nested too, as PHP's json_decode keeps them.
func TestJSONKeepsMemberOrder(t *testing.T) {
	t.Parallel()
	body := `{"z":1,"cmd":{"second":"b","first":"a","10":"x","2":"y"},"a":[3,{"k":true}],"z":2}`
	r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	p, err := DecodeRequest(r, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Names(); !reflect.DeepEqual(got, []string{"z", "cmd", "a"}) {
		t.Errorf("top level: %v", got)
	}
	if got := p.Lookup("cmd").Keys(); !reflect.DeepEqual(got, []string{"second", "first", "10", "2"}) {
		t.Errorf("cmd: %v", got)
	}
	if z, _ := p.String("z"); z != "2" {
		t.Errorf("repeated member: %q, want the last value", z)
	}
	if got := p.Lookup("a", "1", "k").Scalar(); got != true {
		t.Errorf("nested: %v", got)
	}
}

// TestJSONBodyErrors checks the refusals of a JSON body.
func TestJSONBodyErrors(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`[1,2]`:      "JSON body must be an object of parameters",
		`"text"`:     "JSON body must be an object of parameters",
		`{"a":1} {}`: "unexpected data after the top-level value",
		`{"a":}`:     "malformed JSON body",
		`{"a":[1,2}`: "malformed JSON body",
		`{"a":1`:     "malformed JSON body",
	} {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		_, err := DecodeRequest(r, DecodeOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
		r = httptest.NewRequest("POST", "/x?keep=1", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		p, err := DecodeRequest(r, DecodeOptions{IgnoreMalformedBody: true})
		if err != nil || p.Root().Len() != 1 {
			t.Errorf("%s with IgnoreMalformedBody: %v %v", body, err, p)
		}
	}
}
