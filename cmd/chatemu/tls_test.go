package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serveTLS serves a trivial handler behind o's TLS listener.
func serveTLS(t *testing.T, o *tlsOptions) (string, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var note strings.Builder
	tln, err := o.wrap(ln, &note)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(tln) //nolint:errcheck // closed by cleanup
	t.Cleanup(func() { srv.Close() })
	return "https://" + ln.Addr().String(), note.String()
}

func clientTrusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the CA file holds no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// TestTLSGeneratedCA checks that --tls writes a CA a client can trust, for
// 127.0.0.1 and localhost, and reuses it on the next start.
func TestTLSGeneratedCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := &tlsOptions{generate: true, ca: filepath.Join(dir, "ca.pem"), hosts: "chatemu.bitrix24.com"}
	base, note := serveTLS(t, o)
	if !strings.Contains(note, "created CA") {
		t.Fatalf("note: %q", note)
	}
	client := clientTrusting(t, o.ca)
	for _, u := range []string{base, strings.Replace(base, "127.0.0.1", "localhost", 1)} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
	}
	if st, err := os.Stat(o.ca + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("CA key: %v %v", st, err)
	}
	before, _ := os.ReadFile(o.ca)
	base2, note2 := serveTLS(t, o)
	after, _ := os.ReadFile(o.ca)
	if !strings.Contains(note2, "reusing CA") || string(before) != string(after) {
		t.Fatalf("second start: %q", note2)
	}
	resp, err := client.Get(base2)
	if err != nil {
		t.Fatalf("the first CA does not trust the second start: %v", err)
	}
	resp.Body.Close()
	// an untrusting client is refused
	if _, err := http.Get(base2); err == nil {
		t.Fatal("a client without the CA connected")
	}
}

// TestTLSOwnCertificate checks --tls-cert/--tls-key and their misuse.
func TestTLSOwnCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, key, _, err := loadOrCreateCA(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	pair, err := serverCertificate(ca, key, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := writePair(t, dir, pair)
	base, note := serveTLS(t, &tlsOptions{cert: certFile, key: keyFile})
	if note != "" {
		t.Fatalf("note: %q", note)
	}
	resp, err := clientTrusting(t, filepath.Join(dir, "ca.pem")).Get(base)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for name, o := range map[string]*tlsOptions{
		"cert without key": {cert: certFile},
		"key without cert": {key: keyFile},
		"both modes":       {generate: true, cert: certFile, key: keyFile},
		"missing files":    {cert: filepath.Join(dir, "no.pem"), key: filepath.Join(dir, "no.key")},
		"CA is not a CA":   {generate: true, ca: certFile},
	} {
		if name == "CA is not a CA" {
			if err := os.WriteFile(certFile+".key", mustRead(t, keyFile), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := o.config(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writePair(t *testing.T, dir string, pair tls.Certificate) (string, string) {
	t.Helper()
	var certPEM []byte
	for _, der := range pair.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(pair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
