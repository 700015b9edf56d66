// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"crypto/elliptic"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

// writePEM writes content into a file of dir and returns its path.
func writePEM(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAccTLSCertificateDataSource_sha1Signature: a leaf signed with SHA-1 by the right CA fails the
// plan naming the SHA-1 signature and the way out (SHA-256), not a CA of the same name; with
// on_failure = "warn" the same sentence is in problems.
func TestAccTLSCertificateDataSource_sha1Signature(t *testing.T) {
	dir := t.TempDir()
	root := testcert.New(t, testcert.Spec{CommonName: "Example RSA Root CA", Organization: "Example Corp", CA: true, RSABits: 2048,
		NotBefore: tlsNow.AddDate(-2, 0, 0), NotAfter: tlsNow.AddDate(10, 0, 0)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: "*.ml.example.com", Organization: "Example Corp", DNSNames: []string{"*.ml.example.com"},
		NotBefore: tlsNow.AddDate(0, -2, 0), NotAfter: tlsNow.AddDate(0, 0, 90), SignatureAlgorithm: x509.SHA1WithRSA}, root)
	chain, ca := writePEM(t, dir, "sha1-leaf.pem", leaf.PEM), writePEM(t, dir, "rsa-ca.pem", root.PEM)
	sentence := []string{`The certificate "CN=*.ml.example.com,O=Example Corp" is signed by "CN=Example RSA Root CA,O=Example Corp" with SHA-1`,
		"(signature algorithm SHA1-RSA), which is insecure", "browsers and Go's crypto/x509 refuse them whoever signed",
		"Have it re-issued signed with SHA-256 (sha256WithRSAEncryption"}
	testTLSSteps(t, []resource.TestStep{
		{
			Config:      tlsConfig(chain, ca, tlsDemoHosts, ""),
			ExpectError: wrapped(append(append([]string{"Certificate Signed With SHA-1"}, sentence...), `set on_failure = "warn"`)...),
		},
		{
			Config: tlsConfig(chain, ca, tlsDemoHosts, `  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				tlsState("ok", knownvalue.Bool(false)),
				tlsState("chains_to_ca", knownvalue.Bool(false)),
				tlsState("problems", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringRegexp(wrapped(sentence...))})),
			},
		},
	})
}

// TestAccTLSCertificateDataSource_weakKeys: a 1024-bit RSA leaf, a P-224 leaf and a 1024-bit RSA
// intermediate each fail the plan naming the certificate, its key and what is wanted, although the
// chain verifies; with on_failure = "warn", ok is false and problems says so.
func TestAccTLSCertificateDataSource_weakKeys(t *testing.T) {
	f := newTLSFixture(t)
	dir := t.TempDir()
	parent := &testcert.Cert{Cert: f.intermediate.cert, Key: f.intermediate.key, PEM: f.intermediate.pem}
	leafSpec := func(spec testcert.Spec) testcert.Spec {
		spec.CommonName, spec.Organization, spec.DNSNames = "*.ml.example.com", "Example Corp", []string{"*.ml.example.com"}
		spec.NotBefore, spec.NotAfter = tlsNow.AddDate(0, -2, 0), tlsNow.AddDate(0, 0, 90)
		return spec
	}
	rsaLeaf := testcert.New(t, leafSpec(testcert.Spec{RSABits: 1024}), parent)
	p224Leaf := testcert.New(t, leafSpec(testcert.Spec{Curve: elliptic.P224()}), parent)
	rootCert := &testcert.Cert{Cert: f.root.cert, Key: f.root.key, PEM: f.root.pem}
	weakInter := testcert.New(t, testcert.Spec{CommonName: "Weak Issuing CA", Organization: "Example Corp", CA: true, RSABits: 1024,
		NotBefore: tlsNow.AddDate(-1, 0, 0), NotAfter: tlsNow.AddDate(4, 0, 0)}, rootCert)
	leafOfWeakInter := testcert.New(t, leafSpec(testcert.Spec{}), weakInter)

	rsaChain := writePEM(t, dir, "rsa1024.pem", rsaLeaf.PEM+f.intermediate.pem)
	rsaSentence := []string{`The certificate "CN=*.ml.example.com,O=Example Corp" has a 1024-bit RSA key`,
		"(rule: RSA keys of at least 2048 bits, or EC keys on P-256, P-384 or P-521)", "Have it re-issued with a new key"}
	testTLSSteps(t, []resource.TestStep{
		{
			Config:      tlsConfig(rsaChain, f.caFile, tlsDemoHosts, ""),
			ExpectError: wrapped(append([]string{"Weak Certificate Key", "certificate_chain_pem = file("}, rsaSentence...)...),
		},
		{
			Config: tlsConfig(writePEM(t, dir, "p224.pem", p224Leaf.PEM+f.intermediate.pem), f.caFile, tlsDemoHosts, ""),
			ExpectError: wrapped("Weak Certificate Key", `The certificate "CN=*.ml.example.com,O=Example Corp" has an EC key on P-224`,
				"P-224 gives less than 128 bits of security"),
		},
		{
			Config: tlsConfig(writePEM(t, dir, "weak-intermediate.pem", leafOfWeakInter.PEM+weakInter.PEM), f.caFile, tlsDemoHosts, ""),
			ExpectError: wrapped("Weak Certificate Key",
				`Certificate 2 of certificate_chain_pem ("CN=Weak Issuing CA,O=Example Corp") has a 1024-bit RSA key`),
		},
		{
			Config: tlsConfig(rsaChain, f.caFile, tlsDemoHosts, `  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				tlsState("ok", knownvalue.Bool(false)),
				tlsState("chains_to_ca", knownvalue.Bool(true)),
				tlsState("problems", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringRegexp(wrapped(rsaSentence...))})),
			},
		},
	})
}

// TestAccTLSCertificateDataSource_numericHostname: a hostname whose last label is all digits and that
// is no IPv4 address in dotted decimal fails validation, literal or known only at apply, naming the
// entry, the rule and the address meant; an IPv4 address stays accepted.
func TestAccTLSCertificateDataSource_numericHostname(t *testing.T) {
	f := newTLSFixture(t)
	message := []string{`Attribute hostnames[1]: "010.0.0.5" is not a valid hostname (rule: last label not all digits, unless an IPv4 address in dotted decimal)`,
		`it is not an IPv4 address, since "010" has a leading zero, which some software reads as octal and some as decimal`,
		`nor is it a DNS name: its last label "5" is all digits, which the last label of a DNS name never is (RFC 3696 section 2`,
		`Write the address in decimal without leading zeros: "10.0.0.5". If the leading zeros meant octal, the address is "8.0.0.5"`}
	unknownAtPlan := fmt.Sprintf(`
resource "terraform_data" "hosts" {
  input = ["zenml.ml.example.com", "010.0.0.5"]
}

data "zenmlpro_tls_certificate" "test" {
  certificate_chain_pem = file(%q)
  ca_certificate_pem    = file(%q)
  hostnames             = terraform_data.hosts.output
}
`, f.chainFile, f.caFile)
	testTLSSteps(t, []resource.TestStep{
		{
			Config:      tlsConfig(f.chainFile, f.caFile, []string{"zenml.ml.example.com", "010.0.0.5"}, ""),
			PlanOnly:    true,
			ExpectError: wrapped(append([]string{"Invalid Hostname"}, message...)...),
		},
		{
			Config:      unknownAtPlan,
			ExpectError: wrapped(append([]string{"Invalid Hostname"}, message...)...),
		},
		{
			Config: tlsConfig(f.chainFile, f.caFile, []string{"zenml.ml.example.com", "10.0.0.5"}, `  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				tlsState("covers", tlsCovers(map[string]bool{"zenml.ml.example.com": true, "10.0.0.5": false})),
			},
		},
	})
}
