// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// testPKI is a CA with a server certificate (for localhost and 127.0.0.1) and a client
// certificate, plus an unrelated CA.
type testPKI struct {
	caPEM, wrongCAPEM       string
	serverCert              tls.Certificate
	clientPEM, clientKeyPEM string
	otherKeyPEM             string // a key that belongs to no certificate
	caPool                  *x509.CertPool
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyPEM(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

var serial int64

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	t.Helper()
	k := newKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, k, certPEM(der)
}

func newLeaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, usage x509.ExtKeyUsage, dns []string, ips []net.IP) (string, string) {
	t.Helper()
	k := newKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "leaf"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM(der), keyPEM(t, k)
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	ca, caKey, caPEM := newCA(t, "test CA")
	_, _, wrongPEM := newCA(t, "unrelated CA")
	srvPEM, srvKey := newLeaf(t, ca, caKey, x509.ExtKeyUsageServerAuth, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")})
	srv, err := tls.X509KeyPair([]byte(srvPEM), []byte(srvKey))
	if err != nil {
		t.Fatal(err)
	}
	cliPEM, cliKey := newLeaf(t, ca, caKey, x509.ExtKeyUsageClientAuth, nil, nil)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{caPEM: caPEM, wrongCAPEM: wrongPEM, serverCert: srv, clientPEM: cliPEM, clientKeyPEM: cliKey,
		otherKeyPEM: keyPEM(t, newKey(t)), caPool: pool}
}

// handshake runs a TLS server with the PKI's server certificate on loopback (asking for a client
// certificate signed by the CA when requireClient) and connects to it with cfg.
func handshake(t *testing.T, p *testPKI, cfg *tls.Config, requireClient bool) error {
	t.Helper()
	srvCfg := &tls.Config{Certificates: []tls.Certificate{p.serverCert}, MinVersion: tls.VersionTLS12}
	if requireClient {
		srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
		srvCfg.ClientCAs = p.caPool
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer func() { _ = c.Close() }()
		if tc, ok := c.(*tls.Conn); ok {
			_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
			done <- tc.Handshake()
			return
		}
		done <- errors.New("not a TLS connection")
	}()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", l.Addr().String(), cfg)
	if err == nil {
		// With TLS 1.3 the client learns of a rejected client certificate at its first read.
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		if err != nil && (errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "EOF")) {
			err = nil
		}
		_ = conn.Close()
	}
	srvErr := <-done
	if err == nil && requireClient && srvErr != nil {
		err = srvErr
	}
	return err
}

func TestBuildTLSConfigHandshakes(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		name          string
		tls           TLS
		host          string
		requireClient bool
		wantErr       string // "" = the handshake succeeds
	}{
		{"verify_full with the CA", TLS{Mode: TLSVerifyFull, CACertificate: p.caPEM}, "127.0.0.1", false, ""},
		{"verify_full by default when a CA is given", TLS{CACertificate: p.caPEM}, "localhost", false, ""},
		{"verify_full with the wrong CA", TLS{Mode: TLSVerifyFull, CACertificate: p.wrongCAPEM}, "127.0.0.1", false, "unknown authority"},
		{"verify_full with the wrong name", TLS{Mode: TLSVerifyFull, CACertificate: p.caPEM}, "db.example.com", false, "db.example.com"},
		{"verify_full with system roots", TLS{Mode: TLSVerifyFull}, "127.0.0.1", false, "unknown authority"},
		{"verify_ca ignores the name", TLS{Mode: TLSVerifyCA, CACertificate: p.caPEM}, "db.example.com", false, ""},
		{"verify_ca with the wrong CA", TLS{Mode: TLSVerifyCA, CACertificate: p.wrongCAPEM}, "127.0.0.1", false, "unknown authority"},
		{"required checks nothing", TLS{Mode: TLSRequired}, "db.example.com", false, ""},
		{"client certificate", TLS{Mode: TLSVerifyFull, CACertificate: p.caPEM, ClientCertificate: p.clientPEM, ClientKey: p.clientKeyPEM}, "127.0.0.1", true, ""},
		{"client certificate missing", TLS{Mode: TLSVerifyFull, CACertificate: p.caPEM}, "127.0.0.1", true, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := BuildTLSConfig(tt.tls, tt.host)
			if err != nil {
				t.Fatalf("BuildTLSConfig: %v", err)
			}
			if cfg == nil {
				t.Fatal("BuildTLSConfig returned no configuration for a TLS mode")
			}
			if cfg.MinVersion != tls.VersionTLS12 {
				t.Errorf("MinVersion = %x, want TLS 1.2", cfg.MinVersion)
			}
			err = handshake(t, p, cfg, tt.requireClient)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("handshake failed: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("handshake error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestBuildTLSConfigDisabled(t *testing.T) {
	for _, mode := range []TLSMode{"", TLSDisabled} {
		cfg, err := BuildTLSConfig(TLS{Mode: mode}, "db")
		if err != nil || cfg != nil {
			t.Errorf("mode %q: got %v, %v; want no TLS and no error", mode, cfg, err)
		}
	}
}

func TestBuildTLSConfigErrors(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		name  string
		tls   TLS
		field string
		text  string
	}{
		{"unknown mode", TLS{Mode: "prefer"}, "tls.mode", "disabled, required, verify_ca or verify_full"},
		{"disabled with a CA", TLS{Mode: TLSDisabled, CACertificate: p.caPEM}, "tls.mode", "certificates are configured"},
		{"required with a CA", TLS{Mode: TLSRequired, CACertificate: p.caPEM}, "tls.mode", "verify_full"},
		{"verify_ca without a CA", TLS{Mode: TLSVerifyCA}, "tls.ca_certificate", "is required"},
		{"CA not PEM", TLS{Mode: TLSVerifyFull, CACertificate: "not a certificate"}, "tls.ca_certificate", "no PEM certificate"},
		{"CA is a key", TLS{Mode: TLSVerifyFull, CACertificate: p.clientKeyPEM}, "tls.ca_certificate", `"PRIVATE KEY"`},
		{"CA block broken", TLS{Mode: TLSVerifyFull, CACertificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "tls.ca_certificate", "not a valid certificate"},
		{"CA with trailing text", TLS{Mode: TLSVerifyFull, CACertificate: p.caPEM + "garbage"}, "tls.ca_certificate", "not PEM"},
		{"certificate without key", TLS{Mode: TLSRequired, ClientCertificate: p.clientPEM}, "tls.client_key", "is required"},
		{"key without certificate", TLS{Mode: TLSRequired, ClientKey: p.clientKeyPEM}, "tls.client_certificate", "is required"},
		{"client certificate not PEM", TLS{Mode: TLSRequired, ClientCertificate: "x", ClientKey: p.clientKeyPEM}, "tls.client_certificate", "no PEM certificate"},
		{"client key not PEM", TLS{Mode: TLSRequired, ClientCertificate: p.clientPEM, ClientKey: "x"}, "tls.client_key", "no PEM private key"},
		{"client key is a certificate", TLS{Mode: TLSRequired, ClientCertificate: p.clientPEM, ClientKey: p.caPEM}, "tls.client_key", "expected a PRIVATE KEY"},
		{"client key of another certificate", TLS{Mode: TLSRequired, ClientCertificate: p.clientPEM, ClientKey: p.otherKeyPEM}, "tls.client_key", "does not work with tls.client_certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildTLSConfig(tt.tls, "db.example.com")
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want a *ConfigError", err)
			}
			if ce.Field != tt.field || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("error = %q (field %s), want field %s and text %q", err, ce.Field, tt.field, tt.text)
			}
			for _, pemText := range []string{tt.tls.CACertificate, tt.tls.ClientCertificate, tt.tls.ClientKey} {
				for _, line := range strings.Split(pemText, "\n") {
					if len(line) > 16 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
						t.Errorf("error %q quotes PEM material", err)
					}
				}
			}
		})
	}
}

func TestEffectiveMode(t *testing.T) {
	if m := (TLS{}).EffectiveMode(); m != TLSDisabled {
		t.Errorf("no settings: %s, want disabled", m)
	}
	if m := (TLS{CACertificate: "x"}).EffectiveMode(); m != TLSVerifyFull {
		t.Errorf("a CA: %s, want verify_full", m)
	}
	if m := (TLS{Mode: TLSVerifyCA, CACertificate: "x"}).EffectiveMode(); m != TLSVerifyCA {
		t.Errorf("explicit mode: %s, want verify_ca", m)
	}
}
