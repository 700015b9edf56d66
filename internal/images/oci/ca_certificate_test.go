// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/certpem"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

// TestCheckCACertificate_privateKey: a registry's ca_certificate that holds a private key, alone or
// beside the CA certificate, is refused as every input of certificates refuses it, at validate time
// (CheckCACertificate) and when the client is built from values known only later; the key is never
// repeated.
func TestCheckCACertificate_privateKey(t *testing.T) {
	ca := testcert.New(t, testcert.Spec{CommonName: "Corporate Root CA", CA: true}, nil)
	der, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	key := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err := CheckCACertificate(ca.PEM); err != nil {
		t.Fatalf("the CA alone: %v", err)
	}
	const want = `the value holds a private key (a PEM block of type "PRIVATE KEY"), not a certificate; this message does not repeat it. ` +
		"A private key never goes in ca_certificate"
	for name, value := range map[string]string{"key alone": key, "CA and key": ca.PEM + key, "key and CA": key + ca.PEM} {
		t.Run(name, func(t *testing.T) {
			ie, ok := inputerr.As(CheckCACertificate(value))
			if !ok || ie.Input != "ca_certificate" || ie.Summary != certpem.PrivateKeySummary || !strings.Contains(ie.Detail, want) ||
				!strings.HasSuffix(ie.Detail, `Give e.g. ca_certificate = file("corporate-ca.pem")`) {
				t.Fatalf("CheckCACertificate: %v", ie)
			}
			_, err := NewClient(Options{Registries: map[string]Registry{"harbor.example.com": {CACertificate: value}}})
			if err == nil || !strings.Contains(err.Error(), `registries["harbor.example.com"].ca_certificate: `+want) {
				t.Fatalf("NewClient: %v", err)
			}
			for _, line := range strings.Split(key, "\n") {
				if len(line) >= 8 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
					t.Errorf("the error repeats the key: %q", line)
				}
			}
		})
	}
}
