// Package clients runs a chat bot's flow with the unmodified official
// Bitrix24 JavaScript clients (@bitrix24/b24jssdk and @2bad/bitrix, pinned
// in package.json) against an in-process chatemu served over HTTPS.
//
// It needs Node.js 20 or newer; without node, or with -short, it is
// skipped. The first run installs the clients from the npm registry
// (npm ci) into node_modules.
package clients

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

func TestOfficialClients(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: runs the Bitrix24 JS clients with Node.js")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipped: node (Node.js 20+) is not installed; the Bitrix24 JS client flow needs it")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@bitrix24", "b24jssdk")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Skip("skipped: npm is not installed to fetch the clients")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	emu := testkit.StartTLS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "flow.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHATEMU_URL="+emu.URL(), "NODE_EXTRA_CA_CERTS="+emu.CAFile(t))
	out, err := cmd.CombinedOutput()
	t.Logf("node flow.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the client flow failed: %v", err)
	}
}
