package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestREADMECurlCommands runs the README's curl commands ("Try it with
// curl" and "Control plane") as written, in order, against a fresh binary
// with its default fixtures (only localhost:8080 replaced): each answers
// 2xx, and where the README shows the answer on the next line ("# {...}")
// the answer is exactly that. It also checks what the README says of a
// second call: the same updateTitle at once answers WRONG_REQUEST.
func TestREADMECurlCommands(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, nil)
	base := strings.TrimPrefix(p.base, "http://")
	run := func(cmd string) (string, string) {
		cmd = strings.ReplaceAll(cmd, "localhost:8080", base)
		out, err := exec.Command("bash", "-c", cmd+` -sS -w '\n%{http_code}'`).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		trimmed := strings.TrimSpace(string(out))
		i := strings.LastIndexByte(trimmed, '\n')
		if i < 0 {
			return "", trimmed
		}
		return trimmed[:i], trimmed[i+1:]
	}
	var updateTitle string
	n := 0
	for _, section := range []string{"## Try it with curl", "## Control plane"} {
		text := string(raw)
		start := strings.Index(text, section)
		if start < 0 {
			t.Fatalf("README has no %q", section)
		}
		text = text[start+len(section):]
		if end := strings.Index(text, "\n## "); end >= 0 {
			text = text[:end]
		}
		cmds, wants := readmeCurls(text)
		for i, cmd := range cmds {
			body, status := run(cmd)
			n++
			if !strings.HasPrefix(status, "2") {
				t.Errorf("%s\nanswered %s %s", cmd, status, body)
			}
			if wants[i] != "" && body != wants[i] {
				t.Errorf("%s\nanswered %s\nthe README shows %s", cmd, body, wants[i])
			}
			if strings.Contains(cmd, "imbot.chat.updateTitle") {
				updateTitle = cmd
				if body, status := run(cmd); status != "400" || !strings.Contains(body, `"error":"WRONG_REQUEST"`) {
					t.Errorf("updateTitle the second time: %s %s, the README says WRONG_REQUEST", status, body)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d curl commands found in the README", n)
	}
	if updateTitle == "" {
		t.Fatal("no updateTitle command in the README")
	}
}

// readmeCurls returns the curl commands of a README section's sh blocks,
// continuation lines joined, and for each the answer the README shows on
// the line after it ("# {...}"), or "".
func readmeCurls(text string) (cmds, wants []string) {
	inBlock := false
	var cur string
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			inBlock = !inBlock && strings.HasPrefix(line, "```sh")
			continue
		case !inBlock:
			continue
		}
		if cur != "" {
			cur += " " + strings.TrimSpace(strings.TrimSuffix(line, `\`))
			if !strings.HasSuffix(line, `\`) {
				cmds, wants = append(cmds, cur), append(wants, "")
				cur = ""
			}
			continue
		}
		if strings.HasPrefix(line, "# {") && len(cmds) > 0 {
			wants[len(wants)-1] = strings.TrimPrefix(line, "# ")
			continue
		}
		if strings.HasPrefix(line, "curl ") {
			if strings.HasSuffix(line, `\`) {
				cur = strings.TrimSuffix(line, `\`)
				continue
			}
			cmds, wants = append(cmds, line), append(wants, "")
		}
	}
	return cmds, wants
}

// TestREADMEShowsTheTestedBot checks that the README's bot example is the
// test testkit runs (testkit/readme_bot_test.go, from "func TestEchoBot"
// on), so that the example a newcomer copies is known to pass.
func TestREADMEShowsTheTestedBot(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../testkit/readme_bot_test.go")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	i := strings.Index(code, "func TestEchoBot")
	if i < 0 {
		t.Fatal("testkit/readme_bot_test.go has no TestEchoBot")
	}
	if fn := strings.TrimRight(code[i:], "\n"); !strings.Contains(string(readme), "```go\n"+fn+"\n```") {
		t.Error("the README's bot example differs from testkit/readme_bot_test.go's TestEchoBot: copy the function into the README")
	}
}
