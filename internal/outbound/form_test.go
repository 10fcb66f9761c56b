package outbound

import (
	"fmt"
	"testing"
)

// The expected bodies are what PHP's http_build_query returns for the same
// arrays (PHP 8: urlencode escaping, brackets escaped in keys, true/false as
// 1/0, null and empty arrays left out).
func TestFormEncodesAsHTTPBuildQuery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		form func() *Form
		want string
	}{
		{"flat", func() *Form {
			return (&Form{}).Set("event", "ONIMBOTMESSAGEADD").Set("ts", int64(1700000000))
		}, "event=ONIMBOTMESSAGEADD&ts=1700000000"},
		{"nested keys are bracketed and escaped", func() *Form {
			f := &Form{}
			f.Sub("data").Sub("PARAMS").Set("MESSAGE", "Hello world")
			return f
		}, "data%5BPARAMS%5D%5BMESSAGE%5D=Hello+world"},
		{"booleans are 1 and 0", func() *Form {
			return (&Form{}).Set("a", true).Set("b", false)
		}, "a=1&b=0"},
		{"nil and empty arrays are dropped, empty strings kept", func() *Form {
			f := (&Form{}).Set("a", nil).Set("b", "")
			f.Sub("USER")
			f.Set("c", "x")
			return f
		}, "b=&c=x"},
		{"urlencode's alphabet", func() *Form {
			return (&Form{}).Set("k", "a-b_c.d~e*f g/h+i&j=")
		}, "k=a-b_c.d%7Ee%2Af+g%2Fh%2Bi%26j%3D"},
		{"UTF-8 bytes", func() *Form {
			return (&Form{}).Set("t", "Привет")
		}, "t=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82"},
		{"numeric keys and order kept", func() *Form {
			f := &Form{}
			f.Sub("data").Sub("BOT").Sub("39").Set("BOT_ID", 39)
			f.Sub("data").Set("MENTIONED_LIST", nil)
			f.Set("event", "E")
			return f
		}, "data%5BBOT%5D%5B39%5D%5BBOT_ID%5D=39&event=E"},
		{"siblings under one prefix", func() *Form {
			f := &Form{}
			f.Sub("data").Sub("A").Set("x", "1").Set("xx", "11")
			f.Sub("data").Sub("BB").Sub("deep").Set("y", "2")
			f.Sub("data").Set("z", "3")
			f.Set("top", "4")
			return f
		}, "data%5BA%5D%5Bx%5D=1&data%5BA%5D%5Bxx%5D=11&data%5BBB%5D%5Bdeep%5D%5By%5D=2&data%5Bz%5D=3&top=4"},
		{"set replaces in place", func() *Form {
			return (&Form{}).Set("a", "1").Set("b", "2").Set("a", "3")
		}, "a=3&b=2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := string(c.form().Encode()); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// Many names share a bit of Form's name set: a name is still found to
// replace, and a new one is still added, whatever the collisions.
func TestFormSetWithManyNames(t *testing.T) {
	t.Parallel()
	f := &Form{}
	for i := range 300 {
		f.Set(fmt.Sprint("k", i), i)
	}
	for i := range 300 {
		f.Set(fmt.Sprint("k", i), i*2)
	}
	if f.Len() != 300 {
		t.Fatalf("%d fields, want 300", f.Len())
	}
	for i := range 300 {
		if got := f.Get(fmt.Sprint("k", i)); got != i*2 {
			t.Fatalf("k%d = %v, want %d", i, got, i*2)
		}
	}
	if f.Get("absent") != nil || f.Get("k300") != nil {
		t.Error("an unset name has a value")
	}
}
