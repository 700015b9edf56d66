// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package prerequisites

import (
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

// TestCertificateWeakKey: a certificate whose key is too weak is a fail row of the TLS section, and
// the deployment is not ready, although it covers the hosts, chains to the CA and stays valid.
func TestCertificateWeakKey(t *testing.T) {
	s := complete(t)
	p := newPKI(t, now.AddDate(1, 0, 0))
	names := []string{"*.ml.example.com"}
	weak := testcert.New(t, testcert.Spec{CommonName: names[0], DNSNames: names, NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0),
		RSABits: 1024}, p.ca)
	s.TLS.CertificateChainPEM, s.TLS.CACertificatePEM = weak.PEM, p.ca.PEM
	res := Evaluate(s, nil, now)
	wantStatus(t, res, SectionTLS, "Key strength", Fail, `The certificate "CN=*.ml.example.com" has a 1024-bit RSA key`, "at least 2048 bits")
	wantStatus(t, res, SectionTLS, "Chains to the CA", OK)
	if res.Ready {
		t.Error("Ready with a 1024-bit RSA key")
	}
}
