// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
)

func TestCheckDatabaseHost(t *testing.T) {
	for _, ok := range []string{"db.example.com", "10.0.0.5", "::1", "2001:db8::1", "localhost", "my-db"} {
		if err := CheckHost(ok); err != nil {
			t.Errorf("CheckHost(%q) = %v", ok, err)
		}
	}
	for host, want := range map[string]string{
		"":                       "the host is empty",
		"mysql://db":             "has a scheme",
		"db.example.com:33":      "has a port",
		"[::1]":                  "is not a bare host",
		"db/zenml":               "is not a bare host",
		"user@db":                "is not a bare host",
		" db":                    "is not a bare host",
		strings.Repeat("a", 254): "more than 253",
	} {
		if err := CheckHost(host); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckHost(%q) = %v, want %q", host, err, want)
		}
	}
}

func TestTLSSettings(t *testing.T) {
	pki := newTestPKI(t)
	cert, key, otherKey := pki.clientPEM, pki.clientKeyPEM, pki.otherKeyPEM
	for _, tc := range []struct {
		name     string
		t        TLSSettings
		wantMode TLSMode
		want     string // "" = no problem
	}{
		{"empty block means verify_full with the system roots", TLSSettings{}, TLSVerifyFull, ""},
		{"a CA alone means verify_full", TLSSettings{CA: cert}, TLSVerifyFull, ""},
		{"client pair without CA", TLSSettings{Cert: cert, Key: key}, TLSVerifyFull, ""},
		{"verify_ca with CA", TLSSettings{ModeSet: true, Mode: "verify_ca", CA: cert}, TLSVerifyCA, ""},
		{"required", TLSSettings{ModeSet: true, Mode: "required"}, TLSRequired, ""},
		{"disabled", TLSSettings{ModeSet: true, Mode: "disabled"}, TLSDisabled, ""},
		{"verify_ca without CA", TLSSettings{ModeSet: true, Mode: "verify_ca"}, TLSVerifyCA, "which is missing"},
		{"disabled with a client pair", TLSSettings{ModeSet: true, Mode: "disabled", Cert: cert, Key: key}, TLSDisabled, `mode is "disabled" but certificates are given`},
		{"mismatched pair", TLSSettings{Cert: cert, Key: otherKey}, TLSVerifyFull, "does not match"},
		{"unknown mode", TLSSettings{ModeSet: true, Mode: "prefer"}, "prefer", "is not a TLS mode"},
		{"garbage CA", TLSSettings{CA: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, TLSVerifyFull, "not a valid X.509 certificate"},
		// A key where certificates belong is refused with the words every certificate input uses, also
		// once the value is known only after validate (from an expression).
		{"CA with a private key after it", TLSSettings{CA: cert + key}, TLSVerifyFull, "ca_certificate: the value holds a private key"},
		{"client certificate with its key in it", TLSSettings{Cert: cert + key, Key: key}, TLSVerifyFull,
			"client_certificate: the value holds a private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.t.EffectiveMode(); got != tc.wantMode {
				t.Errorf("EffectiveMode = %q, want %q", got, tc.wantMode)
			}
			problems := tc.t.Problems(true)
			switch {
			case tc.want == "" && len(problems) > 0:
				t.Errorf("problems = %v, want none", problems)
			case tc.want != "" && (len(problems) == 0 || !strings.Contains(problems[0].Msg, tc.want)):
				t.Errorf("problems = %v, want %q", problems, tc.want)
			}
			for _, p := range problems {
				if strings.Contains(p.Msg, "PRIVATE KEY-----") || strings.Contains(p.Msg, strings.TrimSpace(key)[30:60]) {
					t.Errorf("a problem quotes the private key: %s", p.Msg)
				}
			}
		})
	}
}

// FuzzCheckPEM: the PEM checks never panic, and never quote the content of a block (a private key's
// bytes must not reach an error message).
func FuzzCheckPEM(f *testing.F) {
	f.Add("CERTIFICATE", []byte("not a certificate"))
	f.Add("PRIVATE KEY", []byte("secret key material"))
	f.Add("RSA PRIVATE KEY", []byte{0x30, 0x82, 0x01})
	f.Add("EC PRIVATE KEY", []byte{})
	f.Fuzz(func(t *testing.T, typ string, body []byte) {
		block := string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: body}))
		encoded := base64.StdEncoding.EncodeToString(body)
		for _, input := range []string{block, typ, block + block} {
			for _, err := range []error{CheckPEMCertificates(input), CheckPEMPrivateKey(input)} {
				if err != nil && len(encoded) >= 8 && strings.Contains(err.Error(), encoded[:8]) {
					t.Errorf("error quotes the block's content: %v", err)
				}
			}
		}
	})
}
