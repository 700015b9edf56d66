// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/certpem"
)

// The rules of a database_servers entry, checked at validate time on literal values and again once
// values that came from expressions are known. Messages name the attribute as the provider's
// configuration spells it.

// Bounds of a server's connect timeout.
const (
	MinConnectTimeout = time.Second
	MaxConnectTimeout = 5 * time.Minute
)

// CheckHost accepts a host name or an IP address without scheme, port or path.
func CheckHost(host string) error {
	const example = "use a host name or IP address without scheme or port, e.g. \"db.example.com\" or \"10.0.0.5\""
	switch {
	case host == "":
		return fmt.Errorf("the host is empty; %s", example)
	case strings.Contains(host, "://"):
		return fmt.Errorf("%q has a scheme; %s", host, example)
	case strings.ContainsAny(host, "/?#@ \t\r\n[]"):
		return fmt.Errorf("%q is not a bare host; %s", host, example)
	case strings.Contains(host, ":") && net.ParseIP(host) == nil:
		return fmt.Errorf("%q has a port; give the port in `port` and %s", host, example)
	case len(host) > 253:
		return fmt.Errorf("the host has %d characters, more than 253; %s", len(host), example)
	}
	return nil
}

// ParseConnectTimeout reads a connect timeout such as "10s", between MinConnectTimeout and
// MaxConnectTimeout.
func ParseConnectTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; use a number with a unit, e.g. \"10s\" or \"1m\"", s)
	}
	if d < MinConnectTimeout || d > MaxConnectTimeout {
		return 0, fmt.Errorf("%q is outside %s to %s; use e.g. \"10s\"", s, MinConnectTimeout, MaxConnectTimeout)
	}
	return d, nil
}

// TLSSettings is a known tls object of a database_servers entry, as configured: Mode is meaningful
// only with ModeSet; without it the mode is verify_full (a tls object asks for TLS).
type TLSSettings struct {
	ModeSet             bool
	Mode, CA, Cert, Key string
}

// EffectiveMode is the mode the connection uses: the given one, else verify_full.
func (t TLSSettings) EffectiveMode() TLSMode {
	if t.ModeSet {
		return TLSMode(t.Mode)
	}
	return TLSVerifyFull
}

// TLSProblem is a mistake in the tls object: the attribute at fault (mode, ca_certificate,
// client_certificate, client_key) and what is wrong.
type TLSProblem struct{ Attr, Msg string }

// Problems checks the TLS settings. With parse, PEM values that do not parse are problems too (the
// attribute validators report those on their own, so the object validator leaves them out).
func (t TLSSettings) Problems(parse bool) []TLSProblem {
	var out []TLSProblem
	mode := t.EffectiveMode()
	if !isKnownTLSMode(string(mode)) {
		if !parse {
			return nil // reported by the mode's OneOf validator
		}
		return []TLSProblem{{"mode", fmt.Sprintf("%q is not a TLS mode; use %s, e.g. \"verify_full\"", mode, tlsModeList())}}
	}
	parsed := true
	for _, v := range []struct {
		attr, value string
		check       func(string) error
	}{{"ca_certificate", t.CA, CheckPEMCertificates}, {"client_certificate", t.Cert, CheckPEMCertificates}, {"client_key", t.Key, CheckPEMPrivateKey}} {
		if v.value == "" {
			continue
		}
		if v.attr != "client_key" {
			// The rule every input of certificates shares, with the same words (never the key).
			if err := certpem.CheckNoPrivateKey(v.attr, fmt.Sprintf("%s = file(%q)", v.attr, strings.TrimSuffix(v.attr, "_certificate")+".pem"), v.value); err != nil {
				parsed = false
				if parse {
					out = append(out, TLSProblem{v.attr, v.attr + ": " + err.Error()})
				}
				continue
			}
		}
		if err := v.check(v.value); err != nil {
			parsed = false
			if parse {
				out = append(out, TLSProblem{v.attr, v.attr + " " + err.Error()})
			}
		}
	}
	switch {
	case mode == TLSDisabled && (t.CA != "" || t.Cert != "" || t.Key != ""):
		out = append(out, TLSProblem{"mode", "mode is \"disabled\" but certificates are given: they would not be used. " +
			"Remove them, or set mode = \"verify_full\" to use them"})
	case mode == TLSRequired && t.CA != "":
		out = append(out, TLSProblem{"ca_certificate", "mode is \"required\", which does not check the server certificate, so the CA would not be used. " +
			"Set mode = \"verify_full\" (or \"verify_ca\") to check the server against it, or remove ca_certificate"})
	case mode == TLSVerifyCA && t.CA == "":
		out = append(out, TLSProblem{"ca_certificate", "mode \"verify_ca\" checks the server certificate against ca_certificate, which is missing. " +
			"Give the CA in PEM, e.g. ca_certificate = file(\"ca.pem\"), or use mode = \"verify_full\" to check against the system's trusted roots"})
	}
	switch {
	case t.Cert != "" && t.Key == "":
		out = append(out, TLSProblem{"client_key", "client_certificate is given without client_key; give both (PEM), or neither"})
	case t.Key != "" && t.Cert == "":
		out = append(out, TLSProblem{"client_certificate", "client_key is given without client_certificate; give both (PEM), or neither"})
	case t.Cert != "" && t.Key != "" && parsed:
		if _, err := tls.X509KeyPair([]byte(t.Cert), []byte(t.Key)); err != nil {
			out = append(out, TLSProblem{"client_key", "client_key does not match client_certificate: give the private key of that certificate"})
		}
	}
	return out
}

// CheckPEMCertificates requires at least one PEM CERTIFICATE block, each a parsable X.509 certificate.
func CheckPEMCertificates(s string) error {
	rest := []byte(s)
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("holds a PEM block of type %q; give certificates only (\"-----BEGIN CERTIFICATE-----\" ...)", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("certificate %d is not a valid X.509 certificate: %v", n+1, err)
		}
		n++
	}
	if n == 0 {
		return errors.New("holds no PEM certificate; give the certificate in PEM (\"-----BEGIN CERTIFICATE-----\" ...), e.g. file(\"ca.pem\")")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return errors.New("has text after the last PEM certificate; give PEM certificates only")
	}
	return nil
}

// CheckPEMPrivateKey requires one PEM private key (PKCS #1, PKCS #8 or EC). It never quotes the key.
func CheckPEMPrivateKey(s string) error {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return errors.New("holds no PEM private key; give the key in PEM (\"-----BEGIN PRIVATE KEY-----\" ...), e.g. file(\"client-key.pem\")")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return errors.New("has more than one PEM block; give the one private key")
	}
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		_, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return fmt.Errorf("holds a PEM block of type %q; give an unencrypted private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", block.Type)
	}
	if err != nil {
		return fmt.Errorf("the %s block is not a valid private key", block.Type)
	}
	return nil
}

// isKnownTLSMode reports whether m is one of TLSModes.
func isKnownTLSMode(m string) bool {
	for _, k := range TLSModes() {
		if string(k) == m {
			return true
		}
	}
	return false
}
