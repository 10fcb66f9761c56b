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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

func TestOfficialClients(t *testing.T) {
	emu := testkit.StartTLS(t)
	runNode(t, emu, "flow.mjs")
}

// TestTokenExpiredScenario runs b24jssdk's OAuth refresh path against the
// bundled scenario bitrix24-token-expired: the client must get through it
// by refreshing its token.
func TestTokenExpiredScenario(t *testing.T) {
	emu := testkit.StartTLS(t)
	emu.UseScenario(t, "bitrix24-token-expired")
	runNode(t, emu, "token-expired.mjs")
}

// TestBotHandler runs a bot's event handler written with b24jssdk: it
// registers, receives ONIMBOTMESSAGEADD for a person's message and answers
// through the event's client_endpoint; the reply must be in the dialog.
func TestBotHandler(t *testing.T) {
	emu := testkit.StartTLS(t)
	runNode(t, emu, "bot-handler.mjs")
}

// runNode runs a script of this directory with node against emu, after
// installing the clients when they are missing; it skips without node or
// with -short.
func runNode(t *testing.T, emu *testkit.Server, script string) {
	t.Helper()
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
	installOnce.Do(func() { installErr = install(dir) })
	if errors.Is(installErr, errNoNPM) {
		t.Skip("skipped: npm is not installed to fetch the clients")
	}
	if installErr != nil {
		t.Fatal(installErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHATEMU_URL="+emu.URL(), "NODE_EXTRA_CA_CERTS="+emu.CAFile(t))
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s failed: %v", script, err)
	}
}

var (
	installOnce sync.Once
	installErr  error
	errNoNPM    = errors.New("npm is not installed")
)

// install runs npm ci in dir unless the clients are there already.
func install(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@bitrix24", "b24jssdk")); err == nil {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return errNoNPM
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci: %w\n%s", err, out)
	}
	return nil
}
