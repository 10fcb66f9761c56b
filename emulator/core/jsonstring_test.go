package core

import (
	"encoding/json"
	"testing"
)

// AppendJSONString writes what encoding/json writes for every kind of
// string: plain ASCII as it is, and anything with escapes (control
// characters, quotes, backslashes, HTML characters, non-ASCII and invalid
// UTF-8) through encoding/json.
func TestAppendJSONStringMatchesEncoding(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "default", "5fde64bf1e240_1608410303", "Public 12", `q"u\o`, "<b>&</b>",
		"tab\tnl\n", "\x00\x1f\x7f", "Ёжик", "\u2028\u2029", "\xff\xfe", "~!@#$%^*()_+{}|:?`-=[];',./"} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want x%s", s, got, want)
		}
	}
}
