// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"crypto/elliptic"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
)

// TestCheckCertificate_insecureSignature: a certificate signed with SHA-1 by the right CA fails the
// chain under its own name (crypto/x509 refuses the algorithm, whoever signed), never as a certificate
// of another CA of the same name.
func TestCheckCertificate_insecureSignature(t *testing.T) {
	years := func(n int) time.Time { return certNow.AddDate(n, 0, 0) }
	rsaRoot := makeCert(t, certSpec{cn: "RSA Root CA", ca: true, rsaBits: 2048, notBefore: years(-2), notAfter: years(10)}, nil)
	sha1Leaf := makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}, sigAlg: x509.SHA1WithRSA}, rsaRoot)
	sha1Inter := makeCert(t, certSpec{cn: "SHA-1 Issuing CA", ca: true, rsaBits: 2048, sigAlg: x509.SHA1WithRSA, notBefore: years(-1), notAfter: years(4)}, rsaRoot)
	leafOfSHA1Inter := makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}}, sha1Inter)
	ecRoot := makeCert(t, certSpec{cn: "EC Root CA", ca: true, notBefore: years(-2), notAfter: years(10)}, nil)
	ecdsaSHA1Leaf := makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}, sigAlg: x509.ECDSAWithSHA1}, ecRoot)
	rsaInter := makeCert(t, certSpec{cn: "RSA Issuing CA", ca: true, rsaBits: 2048, notBefore: years(-1), notAfter: years(4)}, rsaRoot)
	sha1LeafOfInter := makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}, sigAlg: x509.SHA1WithRSA}, rsaInter)

	cases := []struct {
		name, chain, ca string
		summary, input  string
		detail          []string
	}{
		{"leaf signed with SHA-1 by the CA", sha1Leaf.pem, rsaRoot.pem, "Certificate Signed With SHA-1", CertificateChainInput, []string{
			`The certificate "CN=zenml.example.com" is signed by "CN=RSA Root CA" with SHA-1 (signature algorithm SHA1-RSA), which is insecure`,
			"browsers and Go's crypto/x509 refuse them whoever signed",
			"Have it re-issued signed with SHA-256 (sha256WithRSAEncryption, e.g. `openssl x509 -req -sha256`) and give the new certificate in certificate_chain_pem."}},
		{"intermediate signed with SHA-1", pemOf(leafOfSHA1Inter, sha1Inter), rsaRoot.pem, "Certificate Signed With SHA-1", CertificateChainInput, []string{
			`Certificate 2 of certificate_chain_pem ("CN=SHA-1 Issuing CA") is signed by "CN=RSA Root CA" with SHA-1`}},
		{"ECDSA with SHA-1", ecdsaSHA1Leaf.pem, ecRoot.pem, "Certificate Signed With SHA-1", CertificateChainInput, []string{
			"(signature algorithm ECDSA-SHA1)", "(ecdsa-with-SHA256, e.g."}},
		{"SHA-1 by an intermediate, against the system roots", pemOf(sha1LeafOfInter, rsaInter), "", "Certificate Signed With SHA-1", CertificateChainInput, []string{
			`The certificate "CN=zenml.example.com" is signed by "CN=RSA Issuing CA" with SHA-1`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := check(t, c.chain, c.ca, []string{"zenml.example.com"}, 0)
			ps := problemsOf(r, CertificateChain)
			if r.OK || r.ChainsToCA || len(ps) != 1 {
				t.Fatalf("OK %v, ChainsToCA %v, problems %+v; want one chain problem", r.OK, r.ChainsToCA, r.Problems)
			}
			p := ps[0]
			if p.Summary != c.summary || p.Input != c.input {
				t.Errorf("problem %s / %s, want %s / %s: %s", p.Summary, p.Input, c.summary, c.input, p.Detail)
			}
			for _, want := range c.detail {
				if !strings.Contains(p.Detail, want) {
					t.Errorf("detail %q\nwant ...%s...", p.Detail, want)
				}
			}
			if strings.Contains(p.Detail, "different CA") || strings.Contains(p.Detail, "did not sign it") {
				t.Errorf("detail blames another CA: %s", p.Detail)
			}
		})
	}
}

// TestCheckCertificate_weakKeys: an RSA key under 2048 bits or an EC key on a curve below P-256, in
// the leaf, an intermediate or the CA the chain verifies up to, is a problem naming the certificate,
// its key and what is wanted; 2048-bit RSA, P-256 and P-384 keys are not.
func TestCheckCertificate_weakKeys(t *testing.T) {
	s := newCertSet(t)
	years := func(n int) time.Time { return certNow.AddDate(n, 0, 0) }
	host := []string{"zenml.example.com"}
	leaf := func(spec certSpec, parent *testCert) *testCert {
		spec.cn, spec.dns = "zenml.example.com", host
		return makeCert(t, spec, parent)
	}
	weakRoot := makeCert(t, certSpec{cn: "Weak Root CA", ca: true, rsaBits: 1024, notBefore: years(-2), notAfter: years(10)}, nil)
	weakInter := makeCert(t, certSpec{cn: "Weak Issuing CA", ca: true, rsaBits: 1024, notBefore: years(-1), notAfter: years(4)}, s.root)
	selfSignedWeak := leaf(certSpec{rsaBits: 1024}, nil)

	type want struct{ input, detail string }
	cases := []struct {
		name, chain, ca string
		problems        []want
	}{
		{"RSA 1024 leaf", pemOf(leaf(certSpec{rsaBits: 1024}, s.intermediate), s.intermediate), s.root.pem, []want{{CertificateChainInput,
			`The certificate "CN=zenml.example.com" has a 1024-bit RSA key (rule: RSA keys of at least 2048 bits, or EC keys on P-256, P-384 or P-521): ` +
				`an RSA key under 2048 bits can be broken with feasible effort`}}},
		{"P-224 leaf", pemOf(leaf(certSpec{curve: elliptic.P224()}, s.intermediate), s.intermediate), s.root.pem, []want{{CertificateChainInput,
			`The certificate "CN=zenml.example.com" has an EC key on P-224 (rule: RSA keys of at least 2048 bits, or EC keys on P-256, P-384 or P-521): ` +
				`P-224 gives less than 128 bits of security`}}},
		{"RSA 1024 intermediate", pemOf(leaf(certSpec{}, weakInter), weakInter), s.root.pem, []want{{CertificateChainInput,
			`Certificate 2 of certificate_chain_pem ("CN=Weak Issuing CA") has a 1024-bit RSA key`}}},
		{"RSA 1024 CA", leaf(certSpec{}, weakRoot).pem, weakRoot.pem, []want{{CACertificateInput,
			`Certificate 1 of ca_certificate_pem ("CN=Weak Root CA") has a 1024-bit RSA key`}}},
		{"weak leaf and weak intermediate", pemOf(leaf(certSpec{curve: elliptic.P224()}, weakInter), weakInter), s.root.pem, []want{
			{CertificateChainInput, `The certificate "CN=zenml.example.com" has an EC key on P-224`},
			{CertificateChainInput, `Certificate 2 of certificate_chain_pem ("CN=Weak Issuing CA") has a 1024-bit RSA key`}}},
		{"self-signed weak certificate as its own CA, once", selfSignedWeak.pem, selfSignedWeak.pem, []want{{CertificateChainInput,
			`The certificate "CN=zenml.example.com" has a 1024-bit RSA key`}}},
		{"weak leaf of a chain that does not verify", pemOf(leaf(certSpec{rsaBits: 1024}, s.intermediate), s.intermediate), s.otherRoot.pem, []want{{CertificateChainInput,
			`The certificate "CN=zenml.example.com" has a 1024-bit RSA key`}}},
		{"RSA 2048 leaf", pemOf(leaf(certSpec{rsaBits: 2048}, s.intermediate), s.intermediate), s.root.pem, nil},
		{"P-384 leaf", pemOf(leaf(certSpec{curve: elliptic.P384()}, s.intermediate), s.intermediate), s.root.pem, nil},
		{"P-256 chain", pemOf(s.leaf, s.intermediate), s.root.pem, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := check(t, c.chain, c.ca, host, 0)
			ps := problemsOf(r, CertificateKey)
			if len(ps) != len(c.problems) {
				t.Fatalf("key problems %+v, want %d", ps, len(c.problems))
			}
			if len(c.problems) > 0 && r.OK {
				t.Errorf("OK with a weak key")
			}
			for i, w := range c.problems {
				p := ps[i]
				if p.Summary != "Weak Certificate Key" || p.Input != w.input || !strings.Contains(p.Detail, w.detail) {
					t.Errorf("problem %d: %s / %s / %s\nwant Weak Certificate Key / %s / ...%s...", i, p.Summary, p.Input, p.Detail, w.input, w.detail)
				}
				if !strings.Contains(p.Detail, "re-issue") && !strings.Contains(p.Detail, "Replace the CA") {
					t.Errorf("problem %d says not what to do: %s", i, p.Detail)
				}
			}
		})
	}
	// The key problems come after the chain's, and the chain still verifies with a weak key.
	r := check(t, pemOf(leaf(certSpec{rsaBits: 1024}, s.intermediate), s.intermediate), s.root.pem, host, 0)
	if !r.ChainsToCA || r.Problems[len(r.Problems)-1].Check != CertificateKey {
		t.Errorf("ChainsToCA %v, problems %+v", r.ChainsToCA, r.Problems)
	}
}

// TestCheckCertificateHostname_numeric: a value whose last label is all digits is an IPv4 address in
// dotted decimal or nothing; "010.0.0.5" is neither an address nor a DNS name.
func TestCheckCertificateHostname_numeric(t *testing.T) {
	cases := []struct {
		host   string
		detail []string
	}{
		{"010.0.0.5", []string{
			`"010.0.0.5" is not a valid hostname (rule: last label not all digits, unless an IPv4 address in dotted decimal): ` +
				`it is not an IPv4 address, since "010" has a leading zero, which some software reads as octal and some as decimal, ` +
				`nor is it a DNS name: its last label "5" is all digits, which the last label of a DNS name never is (RFC 3696 section 2`,
			`Write the address in decimal without leading zeros: "10.0.0.5". If the leading zeros meant octal, the address is "8.0.0.5"`}},
		{"10.0.0.005", []string{`since "005" has a leading zero`, `: "10.0.0.5"`}},
		{"010.0.0.5.", []string{`"010.0.0.5." is not a valid hostname`, `: "10.0.0.5".`}},
		{"10.0.0.256", []string{`it is not an IPv4 address, since "256" is above 255`, `Use a fully qualified domain name, such as "zenml.ml.example.com"`}},
		{"10.1", []string{`it is not an IPv4 address, which is four numbers separated by dots`}},
		{"1.2.3.4.5", []string{`which is four numbers separated by dots`}},
		{"0x0a.0.0.5", []string{`it is not an IP address, nor is it a DNS name: its last label "5" is all digits`}},
		{"zenml.example.123", []string{`its last label "123" is all digits`}},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			err := CheckCertificateHostname(c.host)
			ie, ok := inputerr.As(err)
			if !ok {
				t.Fatalf("error %v, want an input error", err)
			}
			if ie.Input != CertificateHostnamesInput || ie.Summary != "Invalid Hostname" {
				t.Errorf("error %s / %s", ie.Input, ie.Summary)
			}
			for _, want := range c.detail {
				if !strings.Contains(ie.Detail, want) {
					t.Errorf("detail %q\nwant ...%s...", ie.Detail, want)
				}
			}
			if strings.Contains(ie.Detail, "*.") {
				t.Errorf("detail advises a wildcard: %s", ie.Detail)
			}
		})
	}
	// The same hosts fail CheckCertificate before any coverage advice is built from them.
	s := newCertSet(t)
	if _, err := CheckCertificate(pemOf(s.leaf, s.intermediate), s.root.pem, []string{"010.0.0.5"}, 0, certNow); err == nil {
		t.Error("CheckCertificate accepted 010.0.0.5")
	}
	for _, h := range []string{"10.0.0.5", "0.0.0.0", "255.255.255.255", "::ffff:10.0.0.5", "[2001:db8::5]", "10.0.0.5x.example.com", "1.2.3.example"} {
		if err := CheckCertificateHostname(h); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
}

// TestNotCoveredDetail_noNumericWildcard: the advice for a host the certificate does not cover never
// proposes a wildcard under a name of digits.
func TestNotCoveredDetail_noNumericWildcard(t *testing.T) {
	s := newCertSet(t)
	d := notCoveredDetail(s.leaf.cert, "010.0.0.5")
	if strings.Contains(d, "*.") && !strings.Contains(d, `"*.zenml.example.com"`) || strings.Contains(d, "*.0.0.5") {
		t.Errorf("detail advises a wildcard under digits: %s", d)
	}
	if d := notCoveredDetail(s.leaf.cert, "zenml-api.example.com"); !strings.Contains(d, `"*.example.com"`) {
		t.Errorf("detail without the wildcard of a DNS name: %s", d)
	}
}
