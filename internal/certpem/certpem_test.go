// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package certpem

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

// TestCheckNoPrivateKey: a private key anywhere in a value of certificates is refused on the input
// named, by its PEM type only; certificates alone pass.
func TestCheckNoPrivateKey(t *testing.T) {
	ca := testcert.New(t, testcert.Spec{CommonName: "Example Root CA", CA: true}, nil)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	const example = `ca_certificate = file("ca.pem")`
	for _, ok := range []string{ca.PEM, ca.PEM + ca.PEM, "", "not PEM"} {
		if err := CheckNoPrivateKey("ca_certificate", example, ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	cases := []struct{ name, value, kind string }{
		{"key alone", keyPEM, `a PEM block of type "PRIVATE KEY"`},
		{"key after the CA", ca.PEM + keyPEM, `a PEM block of type "PRIVATE KEY"`},
		{"key before the CA", keyPEM + ca.PEM, `a PEM block of type "PRIVATE KEY"`},
		{"encrypted key", ca.PEM + strings.ReplaceAll(keyPEM, "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"), `a PEM block of type "ENCRYPTED PRIVATE KEY"`},
		{"damaged key", ca.PEM + strings.Replace(keyPEM, "-----END PRIVATE KEY-----", "", 1), `a "-----BEGIN ... PRIVATE KEY-----" line`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ie, ok := inputerr.As(CheckNoPrivateKey("ca_certificate", example, c.value))
			if !ok {
				t.Fatal("accepted")
			}
			want := "the value holds a private key (" + c.kind + "), not a certificate; this message does not repeat it. A private key never goes in ca_certificate"
			if ie.Input != "ca_certificate" || ie.Summary != PrivateKeySummary || !strings.Contains(ie.Detail, want) ||
				!strings.HasSuffix(ie.Detail, "Give e.g. "+example) {
				t.Errorf("%s / %s / %s", ie.Input, ie.Summary, ie.Detail)
			}
			for _, line := range strings.Split(keyPEM, "\n") {
				if len(line) >= 8 && !strings.HasPrefix(line, "-----") && strings.Contains(ie.Detail, line) {
					t.Errorf("the detail repeats the key: %q", line)
				}
			}
		})
	}
}
