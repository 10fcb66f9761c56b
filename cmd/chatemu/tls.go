package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"strings"
	"time"
)

// tlsOptions are the HTTPS flags: --tls serves with a certificate signed by
// a local CA that chatemu creates once (and reuses) so that clients can
// trust it; --tls-cert/--tls-key serve a certificate of your own.
type tlsOptions struct {
	generate  bool
	cert, key string
	ca        string // the CA certificate file --tls writes or reuses; its key is <ca>.key
	hosts     string // extra names for the generated certificate, comma-separated
}

func (t *tlsOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&t.generate, "tls", envBool("CHATEMU_TLS"), "serve HTTPS with a certificate from a local CA written to --tls-ca (CHATEMU_TLS)")
	fs.StringVar(&t.ca, "tls-ca", env("CHATEMU_TLS_CA", "chatemu-ca.pem"), "the CA certificate --tls creates or reuses; trust this file (CHATEMU_TLS_CA)")
	fs.StringVar(&t.hosts, "tls-hosts", env("CHATEMU_TLS_HOSTS", ""), "extra host names or IPs for the --tls certificate, comma-separated (CHATEMU_TLS_HOSTS)")
	fs.StringVar(&t.cert, "tls-cert", env("CHATEMU_TLS_CERT", ""), "serve HTTPS with this certificate (PEM) instead (CHATEMU_TLS_CERT)")
	fs.StringVar(&t.key, "tls-key", env("CHATEMU_TLS_KEY", ""), "the private key of --tls-cert (PEM) (CHATEMU_TLS_KEY)")
}

func (t *tlsOptions) enabled() bool { return t.generate || t.cert != "" || t.key != "" }

// config builds the server's TLS configuration; note says what to trust.
func (t *tlsOptions) config(listen net.Addr) (cfg *tls.Config, note string, err error) {
	switch {
	case (t.cert == "") != (t.key == ""):
		return nil, "", errors.New("--tls-cert and --tls-key go together")
	case t.cert != "" && t.generate:
		return nil, "", errors.New("--tls generates a certificate; do not combine it with --tls-cert")
	case t.cert != "":
		pair, err := tls.LoadX509KeyPair(t.cert, t.key)
		if err != nil {
			return nil, "", fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, "", nil
	}
	ca, caKey, created, err := loadOrCreateCA(t.ca, t.ca+".key")
	if err != nil {
		return nil, "", err
	}
	pair, err := serverCertificate(ca, caKey, hostNames(t.hosts, listen))
	if err != nil {
		return nil, "", err
	}
	verb := "reusing"
	if created {
		verb = "created"
	}
	note = fmt.Sprintf("TLS: %s CA %s; trust it (Node: NODE_EXTRA_CA_CERTS=%s; curl: --cacert %s)", verb, t.ca, t.ca, t.ca)
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, note, nil
}

// hostNames are the names the generated certificate covers: loopback, the
// listen address when it is a specific one, and the extra names.
func hostNames(extra string, listen net.Addr) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if tcp, ok := listen.(*net.TCPAddr); ok && tcp != nil && !tcp.IP.IsUnspecified() && !tcp.IP.IsLoopback() {
		names = append(names, tcp.IP.String())
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, h)
	}
	for _, n := range strings.Split(extra, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// loadOrCreateCA reuses the CA at certPath/keyPath, or creates one there
// (the key readable by its owner only).
func loadOrCreateCA(certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey, bool, error) {
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	if certErr == nil && keyErr == nil {
		ca, key, err := parseCA(certPEM, keyPEM)
		if err != nil {
			return nil, nil, false, fmt.Errorf("reusing the CA in %s and %s: %w", certPath, keyPath, err)
		}
		return ca, key, false, nil
	}
	if !errors.Is(certErr, fs.ErrNotExist) && certErr != nil {
		return nil, nil, false, fmt.Errorf("reading %s: %w", certPath, certErr)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, false, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"chatemu"}, CommonName: "chatemu local CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, false, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, false, err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, nil, false, fmt.Errorf("writing the CA key: %w", err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, nil, false, fmt.Errorf("writing the CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, true, err
}

func parseCA(certPEM, keyPEM []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("not PEM")
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if !ca.IsCA {
		return nil, nil, errors.New("the certificate is not a CA")
	}
	return ca, key, nil
}

// serverCertificate issues a certificate for names, signed by the CA.
func serverCertificate(ca *x509.Certificate, caKey *ecdsa.PrivateKey, names []string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"chatemu"}, CommonName: names[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Raw}, PrivateKey: key}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// wrapTLS puts the listener behind TLS when asked; it tells stdout what
// to trust.
func (t *tlsOptions) wrap(ln net.Listener, stdout io.Writer) (net.Listener, error) {
	if !t.enabled() {
		return ln, nil
	}
	cfg, note, err := t.config(ln.Addr())
	if err != nil {
		return nil, err
	}
	if note != "" {
		fmt.Fprintln(stdout, note)
	}
	return tls.NewListener(ln, cfg), nil
}
