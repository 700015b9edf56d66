// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

// certNow is the clock of the certificate tests.
var certNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testCert is a certificate made for a test, with its key and PEM.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey // nil for an RSA key
	// signer is the key, whatever its kind.
	signer crypto.Signer
	pem    string
}

// certSpec describes a certificate to make: a CA when ca is set, else a TLS server certificate.
type certSpec struct {
	cn                  string
	org                 string
	dns                 []string
	ips                 []net.IP
	ca                  bool
	notBefore, notAfter time.Time
	// key, when set, is the key of the certificate (a CA re-created with the same name has another one).
	key *ecdsa.PrivateKey
	// rsaBits makes an RSA key of that many bits; curve an ECDSA key on that curve instead of P-256.
	rsaBits int
	curve   elliptic.Curve
	// sigAlg is the algorithm the parent signs with, e.g. x509.SHA1WithRSA; the default follows its key.
	sigAlg x509.SignatureAlgorithm
}

// makeCert signs spec with parent, or makes it self-signed when parent is nil; validity defaults to
// two months before certNow to 90 days after it.
func makeCert(t *testing.T, spec certSpec, parent *testCert) *testCert {
	t.Helper()
	if spec.notBefore.IsZero() {
		spec.notBefore = certNow.AddDate(0, -2, 0)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = certNow.AddDate(0, 0, 90)
	}
	var p *testcert.Cert
	if parent != nil {
		p = &testcert.Cert{Cert: parent.cert, Key: parent.key, Signer: parent.signer, PEM: parent.pem}
	}
	c := testcert.New(t, testcert.Spec{CommonName: spec.cn, Organization: spec.org, DNSNames: spec.dns, IPAddresses: spec.ips,
		CA: spec.ca, NotBefore: spec.notBefore, NotAfter: spec.notAfter, Key: spec.key,
		RSABits: spec.rsaBits, Curve: spec.curve, SignatureAlgorithm: spec.sigAlg}, p)
	return &testCert{cert: c.Cert, key: c.Key, signer: c.Signer, pem: c.PEM}
}

// pemOf concatenates certificates' PEM, in order.
func pemOf(certs ...*testCert) string {
	var b strings.Builder
	for _, c := range certs {
		b.WriteString(c.pem)
	}
	return b.String()
}

// certSet is the private CA and the certificates the tests check.
type certSet struct {
	root, intermediate, leaf                *testCert
	otherRoot, sameNameRoot                 *testCert
	selfSigned, expired, notYetValid        *testCert
	cnOnly, cnAndSAN, ipSAN, apexlessLeaf   *testCert
	expiredIntermediate, leafOfExpiredInter *testCert
}

func newCertSet(t *testing.T) certSet {
	t.Helper()
	var s certSet
	years := func(n int) time.Time { return certNow.AddDate(n, 0, 0) }
	s.root = makeCert(t, certSpec{cn: "ZenML Example Root CA", org: "Example Corp", ca: true, notBefore: years(-2), notAfter: years(10)}, nil)
	s.intermediate = makeCert(t, certSpec{cn: "ZenML Example Issuing CA", org: "Example Corp", ca: true, notBefore: years(-1), notAfter: years(4)}, s.root)
	s.leaf = makeCert(t, certSpec{cn: "*.zenml.example.com", dns: []string{"*.zenml.example.com", "zenml.example.com"}}, s.intermediate)
	s.otherRoot = makeCert(t, certSpec{cn: "Other Root CA", ca: true, notBefore: years(-2), notAfter: years(10)}, nil)
	s.sameNameRoot = makeCert(t, certSpec{cn: "ZenML Example Root CA", org: "Example Corp", ca: true, notBefore: years(-2), notAfter: years(10)}, nil)
	s.selfSigned = makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}}, nil)
	s.expired = makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"},
		notBefore: certNow.AddDate(0, -4, 0), notAfter: certNow.Add(-28*24*time.Hour - time.Hour)}, s.intermediate)
	s.notYetValid = makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"},
		notBefore: certNow.AddDate(0, 0, 5), notAfter: certNow.AddDate(0, 0, 95)}, s.intermediate)
	s.cnOnly = makeCert(t, certSpec{cn: "zenml.example.com"}, s.intermediate)
	s.cnAndSAN = makeCert(t, certSpec{cn: "legacy.example.com", dns: []string{"zenml.example.com"}}, s.intermediate)
	s.ipSAN = makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"},
		ips: []net.IP{net.ParseIP("10.0.0.5"), net.ParseIP("2001:db8::5")}}, s.intermediate)
	s.apexlessLeaf = makeCert(t, certSpec{cn: "*.ml.example.com", dns: []string{"*.ml.example.com"}}, s.intermediate)
	s.expiredIntermediate = makeCert(t, certSpec{cn: "Old Issuing CA", ca: true, notBefore: years(-3), notAfter: certNow.AddDate(0, -1, 0)}, s.root)
	s.leafOfExpiredInter = makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}}, s.expiredIntermediate)
	return s
}

// check runs CheckCertificate and fails on an input error.
func check(t *testing.T, chain, ca string, hosts []string, minDays int) CertificateReport {
	t.Helper()
	r, err := CheckCertificate(chain, ca, hosts, minDays, certNow)
	if err != nil {
		t.Fatalf("CheckCertificate: %v", err)
	}
	if r.OK != (len(r.Problems) == 0) {
		t.Errorf("OK = %v with %d problems", r.OK, len(r.Problems))
	}
	return r
}

func problemsOf(r CertificateReport, kind CertificateCheck) []CertificateProblem {
	var out []CertificateProblem
	for _, p := range r.Problems {
		if p.Check == kind {
			out = append(out, p)
		}
	}
	return out
}

func TestCheckCertificate_report(t *testing.T) {
	s := newCertSet(t)
	r := check(t, pemOf(s.leaf, s.intermediate), s.root.pem, []string{"zenml.example.com", "workspace-1.zenml.example.com"}, 30)
	if !r.OK || !r.ChainsToCA || r.SelfSigned {
		t.Fatalf("report %+v, want ok, chaining to the CA, not self-signed", r)
	}
	if want := []string{"*.zenml.example.com", "zenml.example.com"}; !reflect.DeepEqual(r.DNSNames, want) {
		t.Errorf("DNSNames = %q, want %q", r.DNSNames, want)
	}
	if r.Subject != "CN=*.zenml.example.com" || r.Issuer != "CN=ZenML Example Issuing CA,O=Example Corp" {
		t.Errorf("Subject %q, Issuer %q", r.Subject, r.Issuer)
	}
	if !r.NotAfter.Equal(certNow.AddDate(0, 0, 90)) || r.RemainingDays != 90 {
		t.Errorf("NotAfter %v, RemainingDays %d, want %v and 90", r.NotAfter, r.RemainingDays, certNow.AddDate(0, 0, 90))
	}
	if want := map[string]bool{"zenml.example.com": true, "workspace-1.zenml.example.com": true}; !reflect.DeepEqual(r.Covers, want) {
		t.Errorf("Covers = %v", r.Covers)
	}
}

// TestCheckCertificate_coverage: hostnames are matched as browsers do, by crypto/x509's VerifyHostname.
func TestCheckCertificate_coverage(t *testing.T) {
	s := newCertSet(t)
	cases := []struct {
		name   string
		leaf   *testCert
		host   string
		covers bool
		detail string // a phrase of the problem when not covered
	}{
		{"wildcard covers one label", s.leaf, "workspace-1.zenml.example.com", true, ""},
		{"apex listed", s.leaf, "zenml.example.com", true, ""},
		{"case-insensitive", s.leaf, "Workspace-1.ZenML.Example.COM", true, ""},
		{"trailing dot", s.leaf, "workspace-1.zenml.example.com.", true, ""},
		{"wildcard not two labels", s.leaf, "a.b.zenml.example.com", false,
			`The wildcard "*.zenml.example.com" covers exactly one label below zenml.example.com (such as "a.zenml.example.com"), not "a.b.zenml.example.com", which is 2 labels below it`},
		{"parent of the apex", s.leaf, "example.com", false, `Reissue the certificate with "example.com" among its DNS names, or remove "example.com" from hostnames`},
		{"sibling", s.leaf, "zenml-api.example.com", false, `(or the wildcard "*.example.com", which covers every host one label below example.com)`},
		{"apex only when listed", s.apexlessLeaf, "ml.example.com", false,
			`The wildcard "*.ml.example.com" covers names exactly one label below ml.example.com, never ml.example.com itself`},
		{"apexless wildcard still covers one label", s.apexlessLeaf, "zenml.ml.example.com", true, ""},
		{"CN only", s.cnOnly, "zenml.example.com", false,
			`it has no subject alternative names. Its common name is "zenml.example.com", but clients match hostnames against subject alternative names only`},
		{"CN ignored when SANs exist", s.cnAndSAN, "legacy.example.com", false,
			`its subject alternative names are "zenml.example.com". Its common name is "legacy.example.com", but clients match`},
		{"SAN beside another CN", s.cnAndSAN, "zenml.example.com", true, ""},
		{"IP SAN", s.ipSAN, "10.0.0.5", true, ""},
		{"IPv6 SAN in brackets", s.ipSAN, "[2001:db8::5]", true, ""},
		{"IPv6 SAN", s.ipSAN, "2001:db8::5", true, ""},
		{"other IP", s.ipSAN, "10.0.0.6", false, `An IP address is covered only by an IP address subject alternative name. Reissue the certificate with "10.0.0.6" as an IP SAN`},
		{"IP without IP SAN", s.leaf, "10.0.0.5", false, `An IP address is covered only by an IP address subject alternative name`},
		{"DNS name of an IP SAN certificate", s.ipSAN, "zenml.example.com", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := check(t, pemOf(c.leaf, s.intermediate), s.root.pem, []string{c.host}, 0)
			if r.Covers[c.host] != c.covers {
				t.Fatalf("Covers[%q] = %v, want %v", c.host, r.Covers[c.host], c.covers)
			}
			ps := problemsOf(r, CertificateCoverage)
			if c.covers {
				if len(ps) != 0 || !r.OK {
					t.Fatalf("problems %+v", r.Problems)
				}
				return
			}
			if len(ps) != 1 || r.OK {
				t.Fatalf("problems %+v, want one coverage problem", r.Problems)
			}
			p := ps[0]
			if p.Input != CertificateHostnamesInput || p.Host != c.host || p.Summary != "Hostname Not Covered" {
				t.Errorf("problem %+v", p)
			}
			if !strings.Contains(p.Detail, `does not cover "`+c.host+`"`) || !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q\nwant %q", p.Detail, c.detail)
			}
		})
	}
}

// TestCheckCertificate_coverageMap: every hostname has an entry, duplicates once, in the given case.
func TestCheckCertificate_coverageMap(t *testing.T) {
	s := newCertSet(t)
	hosts := []string{"zenml.example.com", "API.zenml.example.com", "zenml.example.com", "example.com", "x.y.zenml.example.com"}
	r := check(t, pemOf(s.leaf, s.intermediate), s.root.pem, hosts, 30)
	want := map[string]bool{"zenml.example.com": true, "API.zenml.example.com": true, "example.com": false, "x.y.zenml.example.com": false}
	if !reflect.DeepEqual(r.Covers, want) {
		t.Errorf("Covers = %v, want %v", r.Covers, want)
	}
	var got []string
	for _, p := range r.Problems {
		got = append(got, p.Host)
	}
	if want := []string{"example.com", "x.y.zenml.example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems for %q, want %q", got, want)
	}
}

// TestCheckCertificate_chain: the leaf verifies against the given CA (roots, or intermediates too) with
// the chain's other certificates as intermediates, or against the system roots without a CA.
func TestCheckCertificate_chain(t *testing.T) {
	s := newCertSet(t)
	hosts := []string{"zenml.example.com"}
	cases := []struct {
		name       string
		chain, ca  string
		chains     bool
		selfSigned bool
		input      string
		summary    string
		detail     string
	}{
		{name: "leaf and intermediate to the root", chain: pemOf(s.leaf, s.intermediate), ca: s.root.pem, chains: true},
		{name: "intermediate given as CA", chain: pemOf(s.leaf), ca: pemOf(s.root, s.intermediate), chains: true},
		{name: "intermediate alone as CA", chain: pemOf(s.leaf), ca: s.intermediate.pem, chains: true},
		{name: "root in the chain too", chain: pemOf(s.leaf, s.intermediate, s.root), ca: s.root.pem, chains: true},
		{name: "intermediate missing", chain: pemOf(s.leaf), ca: s.root.pem, input: CACertificateInput, summary: "Certificate Does Not Chain to the CA",
			detail: `The certificate "CN=*.zenml.example.com" is issued by "CN=ZenML Example Issuing CA,O=Example Corp", which is neither in certificate_chain_pem nor in ca_certificate_pem ` +
				`(ca_certificate_pem holds "CN=ZenML Example Root CA,O=Example Corp"). If "CN=ZenML Example Issuing CA,O=Example Corp" is an intermediate of your CA, add it after the leaf`},
		{name: "wrong CA", chain: pemOf(s.leaf, s.intermediate), ca: s.otherRoot.pem, input: CACertificateInput, summary: "Certificate Does Not Chain to the CA",
			detail: `The chain ends at certificate 2 of certificate_chain_pem ("CN=ZenML Example Issuing CA,O=Example Corp"), issued by "CN=ZenML Example Root CA,O=Example Corp", ` +
				`which is not in ca_certificate_pem (ca_certificate_pem holds "CN=Other Root CA")`},
		{name: "CA of the same name, another key", chain: pemOf(s.leaf, s.intermediate), ca: s.sameNameRoot.pem, input: CACertificateInput,
			summary: "Certificate Does Not Chain to the CA",
			detail:  `ca_certificate_pem holds a certificate of that name, but that certificate's key did not sign it`},
		{name: "system roots", chain: pemOf(s.leaf, s.intermediate), input: CertificateChainInput, summary: "Certificate Not Trusted by the System Roots",
			detail: `issued by "CN=ZenML Example Root CA,O=Example Corp", and no root of this system's trust store leads to it (ca_certificate_pem is not set, so the system roots are used)`},
		{name: "self-signed against the system roots", chain: s.selfSigned.pem, selfSigned: true, input: CertificateChainInput,
			summary: "Self-Signed Certificate Not Trusted",
			detail:  `The certificate "CN=zenml.example.com" is self-signed (its own issuer) and no root of this system's trust store trusts it`},
		{name: "self-signed as its own CA", chain: s.selfSigned.pem, ca: s.selfSigned.pem, chains: true, selfSigned: true},
		{name: "self-signed against another CA", chain: s.selfSigned.pem, ca: s.root.pem, selfSigned: true, input: CACertificateInput,
			summary: "Certificate Does Not Chain to the CA", detail: `The chain ends at the certificate "CN=zenml.example.com", issued by "CN=zenml.example.com"`},
		{name: "expired intermediate", chain: pemOf(s.leafOfExpiredInter, s.expiredIntermediate), ca: s.root.pem, input: CertificateChainInput,
			summary: "Certificate Does Not Chain to the CA",
			detail:  `Certificate 2 of certificate_chain_pem ("CN=Old Issuing CA") expired on 2026-02-01T12:00:00Z. Replace it with the current certificate from its issuer`},
		{name: "expired leaf still chains", chain: pemOf(s.expired, s.intermediate), ca: s.root.pem, chains: true},
		{name: "not yet valid leaf still chains", chain: pemOf(s.notYetValid, s.intermediate), ca: s.root.pem, chains: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := check(t, c.chain, c.ca, hosts, 0)
			if r.ChainsToCA != c.chains || r.SelfSigned != c.selfSigned {
				t.Fatalf("ChainsToCA %v, SelfSigned %v, want %v and %v; problems %+v", r.ChainsToCA, r.SelfSigned, c.chains, c.selfSigned, r.Problems)
			}
			ps := problemsOf(r, CertificateChain)
			if c.chains {
				if len(ps) != 0 {
					t.Fatalf("chain problems %+v", ps)
				}
				return
			}
			if len(ps) != 1 || r.OK {
				t.Fatalf("problems %+v, want one chain problem", r.Problems)
			}
			if p := ps[0]; p.Input != c.input || p.Summary != c.summary || !strings.Contains(p.Detail, c.detail) {
				t.Errorf("problem %s / %s / %s\nwant %s / %s / ...%s...", p.Input, p.Summary, p.Detail, c.input, c.summary, c.detail)
			}
		})
	}
}

// TestCheckCertificate_validity: remaining whole days against the minimum, expiry and a start of
// validity in the future.
func TestCheckCertificate_validity(t *testing.T) {
	s := newCertSet(t)
	almost30 := makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}, notAfter: certNow.Add(30*24*time.Hour - time.Hour)}, s.intermediate)
	exactly30 := makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}, notAfter: certNow.Add(30 * 24 * time.Hour)}, s.intermediate)
	hoursLeft := makeCert(t, certSpec{cn: "zenml.example.com", dns: []string{"zenml.example.com"}, notAfter: certNow.Add(5 * time.Hour)}, s.intermediate)
	cases := []struct {
		name      string
		leaf      *testCert
		minDays   int
		remaining int
		problems  []string // "summary | input | detail phrase"
	}{
		{"90 days left, minimum 30", s.leaf, 30, 90, nil},
		{"90 days left, minimum 90", s.leaf, 90, 90, nil},
		{"90 days left, minimum 91", s.leaf, 91, 90, []string{"Certificate Expires Soon | min_remaining_days | " +
			`The certificate "CN=*.zenml.example.com" expires on 2026-05-30T12:00:00Z, in 90 days, and min_remaining_days asks for at least 91. ` +
			`Renew it with its issuer ("CN=ZenML Example Issuing CA,O=Example Corp") before then`}},
		{"29 days 23 hours left is 29", almost30, 30, 29, []string{"Certificate Expires Soon | min_remaining_days | expires on 2026-03-31T11:00:00Z, in 29 days"}},
		{"exactly 30 days", exactly30, 30, 30, nil},
		{"hours left, minimum 0", hoursLeft, 0, 0, nil},
		{"hours left, minimum 1", hoursLeft, 1, 0, []string{"Certificate Expires Soon | min_remaining_days | expires on 2026-03-01T17:00:00Z, less than a day from now"}},
		{"expired", s.expired, 0, -29, []string{"Certificate Expired | min_remaining_days | " +
			`The certificate "CN=zenml.example.com" expired on 2026-02-01T11:00:00Z, 29 days ago; clients reject it. Renew it with its issuer ("CN=ZenML Example Issuing CA,O=Example Corp")`}},
		{"not yet valid", s.notYetValid, 30, 95, []string{"Certificate Not Yet Valid | certificate_chain_pem | " +
			`The certificate "CN=zenml.example.com" is not valid before 2026-03-06T12:00:00Z, in 5 days; clients reject it until then`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := check(t, pemOf(c.leaf, s.intermediate), s.root.pem, []string{"zenml.example.com"}, c.minDays)
			if r.RemainingDays != c.remaining {
				t.Errorf("RemainingDays = %d, want %d", r.RemainingDays, c.remaining)
			}
			if !r.ChainsToCA {
				t.Errorf("ChainsToCA false: %+v", r.Problems)
			}
			if len(r.Problems) != len(c.problems) {
				t.Fatalf("problems %+v, want %d", r.Problems, len(c.problems))
			}
			for i, want := range c.problems {
				p := r.Problems[i]
				got := p.Summary + " | " + p.Input + " | " + p.Detail
				prefix, phrase, _ := strings.Cut(want, " | ")
				inputWant, phrase, _ := strings.Cut(phrase, " | ")
				if !strings.HasPrefix(got, prefix+" | "+inputWant+" | ") || !strings.Contains(p.Detail, phrase) {
					t.Errorf("problem %d:\n%s\nwant\n%s", i, got, want)
				}
			}
		})
	}
}

// TestCheckCertificate_inputErrors: broken inputs are input errors on the attribute at fault, with the
// rule and a valid example.
func TestCheckCertificate_inputErrors(t *testing.T) {
	s := newCertSet(t)
	good := pemOf(s.leaf, s.intermediate)
	csr := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("not a request")}))
	broken := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")}))
	hosts := []string{"zenml.example.com"}
	cases := []struct {
		name      string
		chain, ca string
		hosts     []string
		minDays   int
		input     string
		summary   string
		detail    string
	}{
		{"empty chain", " \n", "", hosts, 30, CertificateChainInput, "Missing Certificate", `the value is empty (rule: one or more PEM certificates`},
		{"empty CA", good, "\n", hosts, 30, CACertificateInput, "Missing Certificate", `or leave ca_certificate_pem out to verify against the system roots`},
		{"not PEM", "MIIBszCCAVmgAwIBAgIBATAKBggqhkjOPQQDAjA", "", hosts, 30, CertificateChainInput, "Invalid PEM Certificate",
			`the value is not PEM: it holds no "-----BEGIN CERTIFICATE-----" block`},
		{"not PEM CA", good, "root.crt", hosts, 30, CACertificateInput, "Invalid PEM Certificate", `Give e.g. ca_certificate_pem = file("certs/zenml-ca.pem")`},
		{"request", csr, "", hosts, 30, CertificateChainInput, "Certificate Request Instead of Certificate", `PEM block 1 is a certificate signing request ("CERTIFICATE REQUEST")`},
		{"damaged certificate", s.leaf.pem + broken, "", hosts, 30, CertificateChainInput, "Invalid PEM Certificate", `certificate 2 is not a valid X.509 certificate`},
		{"cut short", good + "-----BEGIN CERTIFICATE-----\nMIIB\n", "", hosts, 30, CertificateChainInput, "Invalid PEM Certificate",
			`a PEM block after certificate 2 does not decode`},
		{"other block", good + string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})), "", hosts, 30, CertificateChainInput,
			"Invalid PEM Certificate", `PEM block 3 is of type "PUBLIC KEY", not a certificate`},
		{"leaf not first", pemOf(s.intermediate, s.leaf), "", hosts, 30, CertificateChainInput, "Certificate Chain Out of Order",
			`certificate 1 (subject "CN=ZenML Example Issuing CA,O=Example Corp") is a CA certificate and certificate 2 (subject "CN=*.zenml.example.com") is not`},
		{"no hostnames", good, "", nil, 30, CertificateHostnamesInput, "Missing Hostnames", `the list is empty (rule: at least one hostname`},
		{"empty hostname", good, "", []string{"zenml.example.com", ""}, 30, CertificateHostnamesInput, "Invalid Hostname",
			`an entry is empty (rule: a bare host name or IP address`},
		{"scheme", good, "", []string{"https://zenml.example.com"}, 30, CertificateHostnamesInput, "Invalid Hostname",
			`"https://zenml.example.com" is not a hostname (rule: a bare host name or IP address, as a client connects to it: no scheme, user information, port, path, wildcard or whitespace): ` +
				`it has a scheme "https://", which a certificate does not name. Give e.g. "zenml.example.com"`},
		{"port", good, "", []string{"zenml.example.com:443"}, 30, CertificateHostnamesInput, "Invalid Hostname", `it has a port ":443"`},
		{"IPv6 port", good, "", []string{"[2001:db8::5]:443"}, 30, CertificateHostnamesInput, "Invalid Hostname", `it has a port ":443", which a certificate does not name. Give e.g. "[2001:db8::5]"`},
		{"path", good, "", []string{"zenml.example.com/api/v1"}, 30, CertificateHostnamesInput, "Invalid Hostname", `it has a path "/api/v1"`},
		{"URL", good, "", []string{"https://zenml.example.com:8443/api"}, 30, CertificateHostnamesInput, "Invalid Hostname",
			`it has a scheme "https://", a port ":8443" and a path "/api"`},
		{"whitespace", good, "", []string{" zenml.example.com"}, 30, CertificateHostnamesInput, "Invalid Hostname", `leading or trailing whitespace. Give e.g. "zenml.example.com"`},
		{"wildcard", good, "", []string{"*.zenml.example.com"}, 30, CertificateHostnamesInput, "Invalid Hostname", `Give e.g. "zenml.zenml.example.com"`},
		{"negative minimum", good, "", hosts, -1, MinRemainingDaysInput, "Invalid Minimum Remaining Days",
			`-1 is negative (rule: a whole number of days, 0 or more). Give e.g. min_remaining_days = 30`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := CheckCertificate(c.chain, c.ca, c.hosts, c.minDays, certNow)
			ie, ok := inputerr.As(err)
			if !ok {
				t.Fatalf("error %v, want an input error", err)
			}
			if ie.Input != c.input || ie.Summary != c.summary || !strings.Contains(ie.Detail, c.detail) {
				t.Errorf("error %s / %s / %s\nwant %s / %s / ...%s...", ie.Input, ie.Summary, ie.Detail, c.input, c.summary, c.detail)
			}
		})
	}
}

// TestCheckCertificate_privateKey: a private key given instead of (or with) a certificate is refused,
// named by its PEM type only; no part of it is repeated.
func TestCheckCertificate_privateKey(t *testing.T) {
	s := newCertSet(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(s.leaf.key)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(s.leaf.key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	pkcs8PEM := keyPEM("PRIVATE KEY", pkcs8)
	cases := []struct {
		name, chain, ca, input, kind string
	}{
		{"PKCS #8 key as chain", pkcs8PEM, "", CertificateChainInput, `a PEM block of type "PRIVATE KEY"`},
		{"EC key as chain", keyPEM("EC PRIVATE KEY", sec1), "", CertificateChainInput, `a PEM block of type "EC PRIVATE KEY"`},
		{"key after the chain", pemOf(s.leaf, s.intermediate) + pkcs8PEM, "", CertificateChainInput, `a PEM block of type "PRIVATE KEY"`},
		{"key before the chain", pkcs8PEM + pemOf(s.leaf, s.intermediate), "", CertificateChainInput, `a PEM block of type "PRIVATE KEY"`},
		{"damaged key", strings.Replace(keyPEM("RSA PRIVATE KEY", pkcs8), "-----END RSA PRIVATE KEY-----", "", 1), "", CertificateChainInput,
			`a "-----BEGIN ... PRIVATE KEY-----" line`},
		{"key as CA", pemOf(s.leaf), keyPEM("PRIVATE KEY", pkcs8), CACertificateInput, `a PEM block of type "PRIVATE KEY"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := CheckCertificate(c.chain, c.ca, []string{"zenml.example.com"}, 30, certNow)
			ie, ok := inputerr.As(err)
			if !ok {
				t.Fatalf("error %v, want an input error", err)
			}
			if ie.Input != c.input || ie.Summary != "Private Key Instead of Certificate" ||
				!strings.Contains(ie.Detail, "the value holds a private key ("+c.kind+"), not a certificate; this message does not repeat it") {
				t.Errorf("error %s / %s / %s", ie.Input, ie.Summary, ie.Detail)
			}
			value := c.chain + c.ca
			for _, line := range strings.Split(value, "\n") {
				if len(line) >= 8 && !strings.HasPrefix(line, "-----") && strings.Contains(ie.Detail, line) {
					t.Errorf("the detail repeats the value: %q", line)
				}
			}
			if strings.Contains(ie.Detail, "MIG") || strings.Contains(ie.Detail, "MHc") {
				t.Errorf("the detail holds base64 of the key: %s", ie.Detail)
			}
		})
	}
}

func TestCheckCertificateHostname_valid(t *testing.T) {
	for _, h := range []string{"zenml.ml.example.com", "ZenML.Example.com", "zenml.example.com.", "zenml.corp.internal", "localhost", "10.0.0.5", "2001:db8::5", "[2001:db8::5]"} {
		if err := CheckCertificateHostname(h); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
}

func TestCheckCertificate_wholeDays(t *testing.T) {
	const day = 24 * time.Hour
	for d, want := range map[time.Duration]int{0: 0, time.Hour: 0, day: 1, 30*day - time.Second: 29, -time.Second: -1, -day: -1, -day - time.Second: -2} {
		if got := wholeDays(d); got != want {
			t.Errorf("wholeDays(%v) = %d, want %d", d, got, want)
		}
	}
}
