// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// ConfigError is a mistake in a server's configuration, found before anything connects. Field names
// the provider attribute inside the server's entry, e.g. "tls.ca_certificate".
type ConfigError struct {
	Field   string
	Problem string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Problem }

func configErrorf(field, format string, args ...any) error {
	return &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Attribute names used in configuration errors.
const (
	fieldTLSMode    = "tls.mode"
	fieldTLSCA      = "tls.ca_certificate"
	fieldClientCert = "tls.client_certificate"
	fieldClientKey  = "tls.client_key"
)

// EffectiveMode is the TLS mode in force: the given mode, or, when none is given, verify_full if a CA
// certificate is configured and disabled otherwise.
func (t TLS) EffectiveMode() TLSMode {
	if t.Mode != "" {
		return t.Mode
	}
	if strings.TrimSpace(t.CACertificate) != "" {
		return TLSVerifyFull
	}
	return TLSDisabled
}

// BuildTLSConfig turns the TLS settings of a server into a *tls.Config for a connection to host; it
// returns nil for the disabled mode. Errors are *ConfigError values naming the field at fault.
//
//   - required: encrypted; the server certificate is not checked (like libpq's sslmode=require).
//   - verify_ca: the certificate chain must lead to the configured CA; the host name is not checked.
//   - verify_full: the chain must lead to the configured CA (the system roots when none is given) and
//     the certificate must name host.
func BuildTLSConfig(t TLS, host string) (*tls.Config, error) {
	mode := t.EffectiveMode()
	hasCA := strings.TrimSpace(t.CACertificate) != ""
	hasCert := strings.TrimSpace(t.ClientCertificate) != ""
	hasKey := strings.TrimSpace(t.ClientKey) != ""

	switch mode {
	case TLSDisabled:
		if hasCA || hasCert || hasKey {
			return nil, configErrorf(fieldTLSMode, "is %q, but certificates are configured; "+
				"use verify_full (or verify_ca, required) to connect with TLS, or remove the certificates", mode)
		}
		return nil, nil
	case TLSRequired:
		if hasCA {
			return nil, configErrorf(fieldTLSMode, "is %q, which does not check the server certificate, but "+
				"tls.ca_certificate is set; use verify_full (or verify_ca) to check it against the CA", mode)
		}
	case TLSVerifyCA:
		if !hasCA {
			return nil, configErrorf(fieldTLSCA, "is required when tls.mode is %q (the CA the server "+
				"certificate must chain to)", mode)
		}
	case TLSVerifyFull:
	default:
		return nil, configErrorf(fieldTLSMode, "%q is not a TLS mode; use one of %s", mode, tlsModeList())
	}

	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}

	if hasCert != hasKey {
		if hasCert {
			return nil, configErrorf(fieldClientKey, "is required with tls.client_certificate")
		}
		return nil, configErrorf(fieldClientCert, "is required with tls.client_key")
	}
	if hasCert {
		pair, err := clientKeyPair(t.ClientCertificate, t.ClientKey)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}

	var roots *x509.CertPool
	if hasCA {
		var err error
		if roots, err = certPool(t.CACertificate); err != nil {
			return nil, err
		}
	}

	switch mode {
	case TLSRequired:
		cfg.InsecureSkipVerify = true //nolint:gosec // the required mode encrypts without verifying, by definition
	case TLSVerifyCA:
		// The standard verification would also check the name; verify the chain ourselves instead.
		cfg.InsecureSkipVerify = true //nolint:gosec // VerifyConnection checks the chain against the CA
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { return verifyChain(cs, roots) }
	case TLSVerifyFull:
		cfg.RootCAs = roots // nil: the system roots
	}
	return cfg, nil
}

// verifyChain checks that the peer's certificate chains to roots, without checking its name.
func verifyChain(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server presented no certificate")
	}
	intermediates := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		intermediates.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	return nil
}

// certPool parses every CERTIFICATE block of a PEM bundle.
func certPool(bundle string) (*x509.CertPool, error) {
	certs, err := parseCertificates(fieldTLSCA, bundle)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

func parseCertificates(field, bundle string) ([]*x509.Certificate, error) {
	rest := []byte(bundle)
	var certs []*x509.Certificate
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, configErrorf(field, "PEM block %d is a %q block; expected only CERTIFICATE blocks", n, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, configErrorf(field, "PEM block %d is not a valid certificate: %v", n, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, configErrorf(field, "contains no PEM certificate (expected a block starting with "+
			"-----BEGIN CERTIFICATE-----)")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, configErrorf(field, "has text after the last PEM block that is not PEM")
	}
	return certs, nil
}

// clientKeyPair parses the client certificate chain and its private key, naming the field at fault.
func clientKeyPair(certPEM, keyPEM string) (tls.Certificate, error) {
	if _, err := parseCertificates(fieldClientCert, certPEM); err != nil {
		return tls.Certificate{}, err
	}
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return tls.Certificate{}, configErrorf(fieldClientKey, "contains no PEM private key (expected a block "+
			"such as -----BEGIN PRIVATE KEY-----)")
	}
	if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return tls.Certificate{}, configErrorf(fieldClientKey, "holds a %q block; expected a PRIVATE KEY block", block.Type)
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		// X509KeyPair's messages name no field and never include key material.
		return tls.Certificate{}, configErrorf(fieldClientKey, "does not work with tls.client_certificate: %v", err)
	}
	return pair, nil
}

func tlsModeList() string { return wording.Join(wording.Strings(TLSModes()), "or") }
