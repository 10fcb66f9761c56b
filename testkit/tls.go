package testkit

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chatemu/chatemu/emulator"
)

// StartTLS is Start serving HTTPS (https://127.0.0.1:PORT), for clients
// that only speak HTTPS (the Bitrix24 JS SDK's webhook mode) and portals
// that require it. Client trusts the certificate; CAFile writes it for
// other processes.
func StartTLS(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg emulator.Config
	for _, o := range opts {
		o(&cfg)
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("testkit: starting chatemu: %v", err)
	}
	s := &Server{emu: emu, srv: httptest.NewTLSServer(emu)}
	t.Cleanup(s.Close)
	return s
}

// CAFile writes the certificate of a StartTLS instance to a PEM file in
// the test's temporary directory and returns its path (for Node.js
// clients: NODE_EXTRA_CA_CERTS).
func (s *Server) CAFile(t testing.TB) string {
	t.Helper()
	cert := s.srv.Certificate()
	if cert == nil {
		t.Fatal("testkit: CAFile needs an instance started with StartTLS")
	}
	path := filepath.Join(t.TempDir(), "chatemu-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		t.Fatalf("testkit: writing the CA file: %v", err)
	}
	return path
}
