// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/certpem"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// The inputs of a certificate check, named as the zenmlpro_tls_certificate schema names them.
const (
	CertificateChainInput     = "certificate_chain_pem"
	CACertificateInput        = "ca_certificate_pem"
	CertificateHostnamesInput = "hostnames"
	MinRemainingDaysInput     = "min_remaining_days"
)

// DefaultMinRemainingDays is how many whole days a certificate must stay valid when no minimum is
// given: enough time to renew it before it expires.
const DefaultMinRemainingDays = 30

// ExampleCertificateFile is the certificate chain file quoted in messages.
const ExampleCertificateFile = "certs/zenml-wildcard.pem"

// CertificateCheck names one check of a certificate chain; every CertificateProblem carries the check
// it failed.
type CertificateCheck string

// The checks, in the order their problems are reported.
const (
	// CertificateCoverage: the leaf covers a hostname, as crypto/x509's VerifyHostname decides.
	CertificateCoverage CertificateCheck = "coverage"
	// CertificateNotYetValid: the leaf's validity has begun.
	CertificateNotYetValid CertificateCheck = "not yet valid"
	// CertificateExpiry: the leaf stays valid for at least the minimum number of days.
	CertificateExpiry CertificateCheck = "expiry"
	// CertificateChain: the leaf verifies up to a trusted root.
	CertificateChain CertificateCheck = "chain"
	// CertificateKey: every certificate given (the leaf, the intermediates, and the CA certificate the
	// chain verifies up to) has an RSA key of at least MinRSAKeyBits bits or an EC key on P-256 or a
	// larger curve.
	CertificateKey CertificateCheck = "key"
)

// MinRSAKeyBits is the least size of an RSA key in a certificate chain, as the CA/Browser Forum's
// Baseline Requirements ask of publicly trusted certificates; an EC key is on P-256 or a larger curve.
const MinRSAKeyBits = 2048

// CertificateProblem is one failed check: what is wrong, naming the host, date or issuer concerned,
// and what to do.
type CertificateProblem struct {
	Check CertificateCheck
	// Input is the input the problem belongs to: hostnames for coverage, min_remaining_days for expiry,
	// certificate_chain_pem or ca_certificate_pem for the chain, the start of validity and a weak key.
	Input string
	// Host is the hostname not covered, for the coverage check; "" otherwise.
	Host string
	// Summary is a short title, e.g. "Hostname Not Covered".
	Summary string
	// Detail is the full sentence: what is wrong and what to do.
	Detail string
}

// CertificateReport is what a certificate chain is, and how it fares against the checks.
type CertificateReport struct {
	// Covers maps each hostname, as given, to whether the leaf covers it.
	Covers map[string]bool
	// DNSNames are the leaf's DNS subject alternative names, in certificate order.
	DNSNames []string
	// Subject and Issuer are the leaf's, in the RFC 2253 form of pkix.Name.String.
	Subject, Issuer string
	// NotBefore and NotAfter bound the leaf's validity.
	NotBefore, NotAfter time.Time
	// RemainingDays is the number of whole days until NotAfter, rounded down; negative once expired.
	RemainingDays int
	// SelfSigned is true when the leaf is its own issuer and its signature verifies with its own key.
	SelfSigned bool
	// ChainsToCA is true when the leaf verifies up to the given CA certificates, or to the system
	// roots when none are given.
	ChainsToCA bool
	// OK is true when every check passes: there are no problems.
	OK bool
	// Problems are the failed checks: coverage in the order of the hostnames, then the start of
	// validity, expiry, the chain, and the keys in the order of the certificates.
	Problems []CertificateProblem
}

// CheckCertificate checks a TLS certificate chain against the hostnames a ZenML Pro deployment serves,
// as the ZenML Pro prerequisites ask: it covers the hostnames, chains to the CA, and stays valid long
// enough.
//
// chainPEM holds the leaf first, then the intermediates. caPEM holds the roots (or intermediates) of a
// private CA to verify against; when it is "", the leaf is verified against the system roots.
// hostnames are the names clients connect to: a name is covered as crypto/x509's VerifyHostname
// decides, as browsers do (case-insensitive; a wildcard covers exactly one label; IP addresses only by
// IP SANs; the common name is never used). minRemainingDays is the least number of whole days the leaf
// must stay valid after now. A signature crypto/x509 refuses as insecure (SHA-1, MD5) fails the chain
// under its own name, and a key weaker than MinRSAKeyBits or P-256 in any certificate given is a
// problem of its own.
//
// A broken rule of the inputs (not PEM, a private key, no certificate, an invalid hostname, a negative
// minimum) is an *inputerr.Error naming the input. A failed check is not an error: it is a problem of
// the report.
func CheckCertificate(chainPEM, caPEM string, hostnames []string, minRemainingDays int, now time.Time) (CertificateReport, error) {
	chain, err := ParseCertificateChain(chainPEM)
	if err != nil {
		return CertificateReport{}, err
	}
	var roots []*x509.Certificate
	if caPEM != "" {
		if roots, err = ParseCACertificates(caPEM); err != nil {
			return CertificateReport{}, err
		}
	}
	if err := CheckCertificateHostnames(hostnames); err != nil {
		return CertificateReport{}, err
	}
	if err := CheckMinRemainingDays(int64(minRemainingDays)); err != nil {
		return CertificateReport{}, err
	}

	leaf := chain[0]
	r := CertificateReport{
		Covers:        make(map[string]bool, len(hostnames)),
		DNSNames:      append([]string{}, leaf.DNSNames...),
		Subject:       leaf.Subject.String(),
		Issuer:        leaf.Issuer.String(),
		NotBefore:     leaf.NotBefore,
		NotAfter:      leaf.NotAfter,
		RemainingDays: wholeDays(leaf.NotAfter.Sub(now)),
		SelfSigned:    isSelfSigned(leaf),
	}
	for _, h := range hostnames {
		if _, seen := r.Covers[h]; seen {
			continue
		}
		r.Covers[h] = leaf.VerifyHostname(h) == nil
		if !r.Covers[h] {
			r.Problems = append(r.Problems, CertificateProblem{Check: CertificateCoverage, Input: CertificateHostnamesInput, Host: h,
				Summary: "Hostname Not Covered", Detail: notCoveredDetail(leaf, h)})
		}
	}
	r.Problems = append(r.Problems, validityProblems(leaf, now, minRemainingDays, r.RemainingDays)...)
	c := chainCheck{chain: chain, roots: roots}
	verified, p, ok := c.verify(now)
	if ok {
		r.ChainsToCA = true
	} else {
		r.Problems = append(r.Problems, p)
	}
	r.Problems = append(r.Problems, c.keyProblems(verified)...)
	for i := range r.Problems {
		r.Problems[i].Detail = wording.Sentence(r.Problems[i].Detail)
	}
	r.OK = len(r.Problems) == 0
	return r, nil
}

// ParseCertificateChain parses a certificate chain in PEM: one or more certificates, the leaf first,
// then the intermediates. It refuses anything else (a private key, a certificate request, text that is
// not PEM) with an *inputerr.Error on certificate_chain_pem, and a chain whose first certificate is a
// CA certificate while a later one is not (the leaf is not first). Messages never quote the value.
func ParseCertificateChain(s string) ([]*x509.Certificate, error) {
	certs, err := parseCertificatesPEM(CertificateChainInput, s)
	if err != nil {
		return nil, err
	}
	if isCA(certs[0]) {
		for i, c := range certs[1:] {
			if !isCA(c) {
				return nil, inputerr.New(CertificateChainInput, "Certificate Chain Out of Order",
					"certificate 1 (subject %q) is a CA certificate and certificate %d (subject %q) is not: the leaf, the certificate the server presents, "+
						"goes first and its intermediates follow it (rule: leaf first, then intermediates, as the CA delivers a \"full chain\"). "+
						"Put certificate %d first and the intermediates after it, e.g. certificate_chain_pem = file(%q) made with `cat leaf.pem intermediate.pem`",
					certs[0].Subject.String(), i+2, c.Subject.String(), i+2, ExampleCertificateFile)
			}
		}
	}
	return certs, nil
}

// ParseCACertificates parses the certificates of a private CA in PEM: one or more roots or
// intermediates. It refuses anything else with an *inputerr.Error on ca_certificate_pem. Messages
// never quote the value.
func ParseCACertificates(s string) ([]*x509.Certificate, error) {
	return parseCertificatesPEM(CACertificateInput, s)
}

// CheckCertificateHostnames checks the hostnames to verify: at least one, each valid for
// CheckCertificateHostname.
func CheckCertificateHostnames(hostnames []string) error {
	if len(hostnames) == 0 {
		return inputerr.New(CertificateHostnamesInput, "Missing Hostnames",
			"the list is empty (rule: at least one hostname to check the certificate against). Give the hosts the certificate serves, e.g. "+
				"hostnames = [%q, %q], or data.zenmlpro_endpoints.<name>.certificate_names", ExampleHost, RoleWorkspace.ExampleHost())
	}
	for _, h := range hostnames {
		if err := CheckCertificateHostname(h); err != nil {
			return err
		}
	}
	return nil
}

// certificateHostRule is the rule of a hostname to check a certificate against, as messages state it.
const certificateHostRule = "a bare host name or IP address, as a client connects to it: no scheme, user information, port, path, wildcard or whitespace"

// CheckCertificateHostname checks one hostname to verify a certificate against: a host name (any case,
// optionally with a trailing dot) or an IP address (IPv6 with or without brackets), without scheme,
// user information, port, path, wildcard or whitespace; a value whose last label is all digits must
// be an IPv4 address in dotted decimal (CheckNumericHost), so "010.0.0.5" is refused. Unlike
// ParseHost, it accepts names under any domain and IP addresses: it states what a certificate covers,
// not what an endpoint may be. A refusal is an *inputerr.Error on hostnames.
func CheckCertificateHostname(h string) error {
	const summary = "Invalid Hostname"
	fail := func(problem, suggestion string) error {
		if suggestion == "" || CheckCertificateHostname(suggestion) != nil {
			suggestion = ExampleHost
		}
		return inputerr.New(CertificateHostnamesInput, summary, "%q is not a hostname (rule: %s): %s. Give e.g. %q", h, certificateHostRule, problem, suggestion)
	}
	switch {
	case h == "":
		return inputerr.New(CertificateHostnamesInput, summary,
			"an entry is empty (rule: %s). Give the host clients connect to, e.g. %q", certificateHostRule, ExampleHost)
	case strings.TrimSpace(h) != h:
		return fail("it has leading or trailing whitespace", strings.TrimSpace(h))
	}
	if u := splitURL(h); u.hasParts() {
		var parts []string
		for _, p := range []struct{ part, what string }{
			{u.scheme, "a scheme"}, {u.userInfo, "user information"}, {u.port, "a port"}, {u.path, "a path"},
		} {
			if p.part != "" {
				parts = append(parts, fmt.Sprintf("%s %q", p.what, p.part))
			}
		}
		return fail("it has "+wording.Join(parts, "and")+", which a certificate does not name", u.host)
	}
	if strings.ContainsFunc(h, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return fail("it contains whitespace or control characters", "")
	}
	if strings.Contains(h, "*") {
		suggestion := ""
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			suggestion = "zenml." + rest
		}
		return fail("a wildcard is what a certificate names, not a host a client connects to; give each host, and a wildcard certificate covers those one label below its domain", suggestion)
	}
	if e := numericHost(h); e != nil {
		return inputerr.New(CertificateHostnamesInput, summary, "%s", strings.TrimSuffix(e.Error(), "."))
	}
	return nil
}

// CheckMinRemainingDays checks the minimum number of whole days a certificate must stay valid: 0 or more.
func CheckMinRemainingDays(days int64) error {
	if days < 0 {
		return inputerr.New(MinRemainingDaysInput, "Invalid Minimum Remaining Days",
			"%d is negative (rule: a whole number of days, 0 or more). Give e.g. min_remaining_days = %d, the default, to fail while there is still time to renew, "+
				"or 0 to fail only once the certificate has expired", days, DefaultMinRemainingDays)
	}
	return nil
}

// parseCertificatesPEM parses one or more PEM CERTIFICATE blocks of input. Text around the blocks (as
// openssl prints "Bag Attributes" before them) is ignored. The value is never quoted: it may hold a key.
func parseCertificatesPEM(input, s string) ([]*x509.Certificate, error) {
	example := fmt.Sprintf("%s = file(%q)", input, ExampleCertificateFile)
	if input == CACertificateInput {
		example = fmt.Sprintf("%s = file(%q)", input, "certs/zenml-ca.pem")
	}
	if strings.TrimSpace(s) == "" {
		return nil, inputerr.New(input, "Missing Certificate",
			"the value is empty (rule: one or more PEM certificates, each from \"-----BEGIN CERTIFICATE-----\" to \"-----END CERTIFICATE-----\"). Give e.g. %s%s",
			example, omitCA(input))
	}
	// A private key is reported before anything else, whatever else the value holds, and only by its
	// PEM type: the key itself is never repeated.
	if err := certpem.CheckNoPrivateKey(input, example, s); err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	rest := []byte(s)
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = r
		n := len(certs) + 1
		switch block.Type {
		case "CERTIFICATE":
		case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
			return nil, inputerr.New(input, "Certificate Request Instead of Certificate",
				"PEM block %d is a certificate signing request (%q), not a certificate (rule: PEM certificates only). "+
					"Give the certificate the CA issued for the request, e.g. %s", n, block.Type, example)
		default:
			return nil, inputerr.New(input, "Invalid PEM Certificate",
				"PEM block %d is of type %q, not a certificate (rule: PEM certificates only, each from \"-----BEGIN CERTIFICATE-----\" "+
					"to \"-----END CERTIFICATE-----\"). Give e.g. %s", n, block.Type, example)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, inputerr.New(input, "Invalid PEM Certificate",
				"certificate %d is not a valid X.509 certificate (%v); the file may be damaged or cut short. Give the certificates as the CA delivered them, e.g. %s",
				n, err, example)
		}
		certs = append(certs, c)
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, inputerr.New(input, "Invalid PEM Certificate",
			"a PEM block after certificate %d does not decode: it has no matching \"-----END ...-----\" line or its base64 is damaged "+
				"(rule: complete PEM certificates). Give the certificates as the CA delivered them, e.g. %s", len(certs), example)
	}
	if len(certs) == 0 {
		return nil, inputerr.New(input, "Invalid PEM Certificate",
			"the value is not PEM: it holds no \"-----BEGIN CERTIFICATE-----\" block (rule: one or more PEM certificates; a DER or "+
				"PKCS #12 file must be converted first, e.g. with `openssl x509 -inform der -in cert.der -out cert.pem`). Give e.g. %s", example)
	}
	return certs, nil
}

// omitCA is the closing clause of the empty-value message of ca_certificate_pem: how to use the system roots.
func omitCA(input string) string {
	if input == CACertificateInput {
		return ", or leave ca_certificate_pem out to verify against the system roots"
	}
	return ""
}

func isCA(c *x509.Certificate) bool { return c.BasicConstraintsValid && c.IsCA }

// isSelfSigned reports whether c names itself as issuer and its signature verifies with its own key.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// wholeDays is d in whole days, rounded down: 29 days and 23 hours is 29, an hour ago is -1.
func wholeDays(d time.Duration) int {
	const day = 24 * time.Hour
	days := d / day
	if d < 0 && d%day != 0 {
		days--
	}
	return int(days)
}

// inDays words a number of whole days from now: "in 3 days", "today", "2 days ago".
func inDays(days int) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	switch {
	case days == 0:
		return "less than a day from now"
	case days < 0:
		return plural(-days) + " ago"
	}
	return "in " + plural(days)
}

func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// describeLeaf names the leaf in messages: its subject, or its first name when the subject is empty.
func describeLeaf(c *x509.Certificate) string {
	return "the certificate " + nameOf(c)
}

// nameOf is a certificate's subject, quoted, or what identifies it when the subject is empty.
func nameOf(c *x509.Certificate) string {
	if s := c.Subject.String(); s != "" {
		return fmt.Sprintf("%q", s)
	}
	if len(c.DNSNames) > 0 {
		return fmt.Sprintf("with an empty subject and DNS name %q", c.DNSNames[0])
	}
	return "with an empty subject"
}

// notCoveredDetail says why the leaf does not cover host, and what to do.
func notCoveredDetail(leaf *x509.Certificate, host string) string {
	var names []string
	for _, n := range leaf.DNSNames {
		names = append(names, fmt.Sprintf("%q", n))
	}
	for _, ip := range leaf.IPAddresses {
		names = append(names, fmt.Sprintf("%q", ip.String()))
	}
	has := "its subject alternative names are " + wording.Join(names, "and")
	if len(names) == 0 {
		has = "it has no subject alternative names"
	}
	msg := fmt.Sprintf("%s does not cover %q: %s.", describeLeaf(leaf), host, has)

	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); ip != nil {
		return msg + fmt.Sprintf(" An IP address is covered only by an IP address subject alternative name. Reissue the certificate with %q as an IP SAN, "+
			"or connect by a DNS name the certificate covers; or remove %q from hostnames if this certificate does not serve it.", ip.String(), host)
	}
	if strings.EqualFold(leaf.Subject.CommonName, name) {
		return msg + fmt.Sprintf(" Its common name is %q, but clients match hostnames against subject alternative names only and ignore the "+
			"common name (browsers have done so for years, as has crypto/x509). Reissue the certificate with %q among its DNS subject alternative names.",
			leaf.Subject.CommonName, name)
	}
	for _, n := range leaf.DNSNames {
		parent, ok := strings.CutPrefix(strings.ToLower(n), "*.")
		if !ok {
			continue
		}
		switch {
		case name == parent:
			return msg + fmt.Sprintf(" The wildcard %q covers names exactly one label below %s, never %s itself. "+
				"Reissue the certificate with %q added as a DNS name, or remove %q from hostnames if this certificate does not serve it.",
				n, parent, parent, parent, host)
		case strings.HasSuffix(name, "."+parent):
			first, rest, _ := strings.Cut(name, ".")
			return msg + fmt.Sprintf(" The wildcard %q covers exactly one label below %s (such as %q), not %q, which is %d labels below it. "+
				"Reissue the certificate with %q or %q added as a DNS name, or use a host one label below %s.",
				n, parent, first+"."+parent, name, strings.Count(name, ".")-strings.Count(parent, "."), name, "*."+rest, parent)
		}
	}
	wildcard := ""
	// A wildcard is advised only under a DNS name: never under digits such as "0.0.5".
	if first, rest, ok := strings.Cut(name, "."); ok && first != "" && strings.Contains(rest, ".") && numericHost(name) == nil {
		wildcard = fmt.Sprintf(" (or the wildcard %q, which covers every host one label below %s)", "*."+rest, rest)
	}
	return msg + fmt.Sprintf(" Reissue the certificate with %q among its DNS names%s, or remove %q from hostnames if this certificate does not serve it.",
		name, wildcard, host)
}

// validityProblems checks the leaf's validity period at now: not yet valid, expired, or valid for fewer
// whole days than the minimum.
func validityProblems(leaf *x509.Certificate, now time.Time, minDays, remaining int) []CertificateProblem {
	var out []CertificateProblem
	issuer := fmt.Sprintf("%q", leaf.Issuer.String())
	if now.Before(leaf.NotBefore) {
		out = append(out, CertificateProblem{Check: CertificateNotYetValid, Input: CertificateChainInput, Summary: "Certificate Not Yet Valid",
			Detail: fmt.Sprintf("%s is not valid before %s, %s; clients reject it until then. If it was issued just now, the clock of its issuer (%s) "+
				"or of this system is wrong: check both, or wait until %s before deploying it.",
				describeLeaf(leaf), timeString(leaf.NotBefore), inDays(wholeDays(leaf.NotBefore.Sub(now))), issuer, timeString(leaf.NotBefore))})
	}
	switch {
	case now.After(leaf.NotAfter):
		out = append(out, CertificateProblem{Check: CertificateExpiry, Input: MinRemainingDaysInput, Summary: "Certificate Expired",
			Detail: fmt.Sprintf("%s expired on %s, %s; clients reject it. Renew it with its issuer (%s) and give the new chain in certificate_chain_pem.",
				describeLeaf(leaf), timeString(leaf.NotAfter), inDays(remaining), issuer)})
	case remaining < minDays:
		out = append(out, CertificateProblem{Check: CertificateExpiry, Input: MinRemainingDaysInput, Summary: "Certificate Expires Soon",
			Detail: fmt.Sprintf("%s expires on %s, %s, and min_remaining_days asks for at least %d. Renew it with its issuer (%s) before then "+
				"and give the new chain in certificate_chain_pem, or lower min_remaining_days.",
				describeLeaf(leaf), timeString(leaf.NotAfter), inDays(remaining), minDays, issuer)})
	}
	return out
}

// chainCheck verifies a chain against roots: the given CA certificates, or the system roots when
// there are none.
type chainCheck struct {
	chain, roots []*x509.Certificate
}

// verify verifies the leaf with the chain's other certificates as intermediates. It returns the
// chain it verified, leaf first, or the problem when it fails, and whether it passed.
//
// The leaf's own validity dates are judged by the expiry and not-yet-valid checks, so the chain is
// verified at a moment the leaf is valid: now, or the nearest end of the leaf's validity period. An
// expired intermediate or CA certificate still fails the chain.
func (c chainCheck) verify(now time.Time) ([]*x509.Certificate, CertificateProblem, bool) {
	leaf := c.chain[0]
	at := now
	switch {
	case at.After(leaf.NotAfter):
		at = leaf.NotAfter
	case at.Before(leaf.NotBefore):
		at = leaf.NotBefore
	}
	opts := x509.VerifyOptions{Intermediates: x509.NewCertPool(), CurrentTime: at}
	for _, ic := range c.chain[1:] {
		opts.Intermediates.AddCert(ic)
	}
	if len(c.roots) > 0 {
		opts.Roots = x509.NewCertPool()
		for _, r := range c.roots {
			opts.Roots.AddCert(r)
		}
	}
	chains, err := leaf.Verify(opts)
	if err == nil {
		return chains[0], CertificateProblem{}, true
	}
	return nil, c.problem(err, at), false
}

// problem turns a verification error into a problem on the input that holds the certificate at fault.
func (c chainCheck) problem(err error, at time.Time) CertificateProblem {
	p := CertificateProblem{Check: CertificateChain, Input: CertificateChainInput, Summary: "Certificate Not Trusted by the System Roots"}
	if len(c.roots) > 0 {
		p.Summary = "Certificate Does Not Chain to the CA"
	}
	leaf := c.chain[0]
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var noRoots x509.SystemRootsError
	switch {
	case errors.As(err, &unknown):
		top := orLeaf(unknown.Cert, leaf)
		if alg := c.insecureSignature(top); alg != nil {
			return c.insecureSignatureProblem(top, *alg)
		}
		if len(c.roots) > 0 {
			p.Input = CACertificateInput
		}
		p.Detail = c.unknownAuthority(unknown.Cert)
		if len(c.roots) == 0 && isSelfSigned(leaf) && (unknown.Cert == nil || unknown.Cert.Equal(leaf)) {
			p.Summary = "Self-Signed Certificate Not Trusted"
		}
	case errors.As(err, &invalid):
		where := c.where(invalid.Cert)
		if where.input != "" {
			p.Input = where.input
		}
		p.Detail = c.invalidCertificate(invalid, where, at)
	case errors.As(err, &noRoots):
		p.Detail = fmt.Sprintf("This system has no trust store to verify %s against (%v). Give the certificate of the CA that issued it, %q, in ca_certificate_pem.",
			describeLeaf(leaf), err, leaf.Issuer.String())
	default:
		p.Detail = fmt.Sprintf("%s does not verify: %v. Give the chain as the CA delivered it: the leaf first, then the intermediates%s.",
			describeLeaf(leaf), err, c.againstWhat())
	}
	return p
}

// againstWhat closes a message: what the chain was verified against.
func (c chainCheck) againstWhat() string {
	if len(c.roots) > 0 {
		return ", and the CA's certificates in ca_certificate_pem"
	}
	return " (it is verified against the system roots because ca_certificate_pem is not set)"
}

// location is where a certificate of the check came from.
type location struct {
	input string // certificate_chain_pem or ca_certificate_pem; "" when not found
	index int    // 1-based position in input
}

func (c chainCheck) where(cert *x509.Certificate) location {
	if cert == nil {
		return location{}
	}
	for i, x := range c.chain {
		if x.Equal(cert) {
			return location{CertificateChainInput, i + 1}
		}
	}
	for i, x := range c.roots {
		if x.Equal(cert) {
			return location{CACertificateInput, i + 1}
		}
	}
	return location{}
}

// describe names a certificate in messages, with where it came from.
func (c chainCheck) describe(cert *x509.Certificate) string {
	switch w := c.where(cert); {
	case w.input == CertificateChainInput && w.index == 1:
		return describeLeaf(cert)
	case w.input != "":
		return fmt.Sprintf("certificate %d of %s (%s)", w.index, w.input, nameOf(cert))
	}
	return "the certificate " + nameOf(cert)
}

// unknownAuthority words a chain that ends at top, a certificate whose issuer is not trusted.
func (c chainCheck) unknownAuthority(top *x509.Certificate) string {
	leaf := c.chain[0]
	if top == nil {
		top = leaf
	}
	what, issuer := c.describe(top), top.Issuer.String()
	if len(c.roots) == 0 {
		if isSelfSigned(top) && top.Equal(leaf) {
			return fmt.Sprintf("%s is self-signed (its own issuer) and no root of this system's trust store trusts it; ca_certificate_pem is not set, "+
				"so the system roots are used. Clients reject it unless they trust it explicitly: give the same certificate in ca_certificate_pem to "+
				"check it as its own CA (and install it in every client), or use a certificate from a CA the clients trust.", what)
		}
		return fmt.Sprintf("%s is issued by %q, and no root of this system's trust store leads to it (ca_certificate_pem is not set, so the system roots "+
			"are used). For a private CA, give its certificate in ca_certificate_pem, e.g. ca_certificate_pem = file(\"certs/zenml-ca.pem\"); for a public CA, "+
			"add the intermediate certificates after the leaf in certificate_chain_pem, as the CA delivered them (the \"full chain\").", what, issuer)
	}
	var caNames []string
	for _, r := range c.roots {
		caNames = append(caNames, fmt.Sprintf("%q", r.Subject.String()))
	}
	holds := fmt.Sprintf("ca_certificate_pem holds %s", wording.Join(caNames, "and"))
	for _, r := range c.roots {
		if bytes.Equal(r.RawSubject, top.RawIssuer) {
			return fmt.Sprintf("%s is issued by %q, and ca_certificate_pem holds a certificate of that name, but that certificate's key did not sign it: "+
				"it is a different CA of the same name (one re-created, or renewed with a new key). Give the certificate of the CA that issued it in ca_certificate_pem.",
				what, issuer)
		}
	}
	inChain := false
	for _, x := range c.chain {
		if bytes.Equal(x.RawSubject, top.RawIssuer) {
			inChain = true
		}
	}
	if top.Equal(leaf) && !inChain && !isSelfSigned(leaf) {
		return fmt.Sprintf("%s is issued by %q, which is neither in certificate_chain_pem nor in ca_certificate_pem (%s). If %q is an intermediate of your CA, "+
			"add it after the leaf in certificate_chain_pem (servers must send it too) or to ca_certificate_pem; if the certificate comes from another CA, "+
			"give that CA's certificate in ca_certificate_pem.", what, issuer, holds, issuer)
	}
	return fmt.Sprintf("The chain ends at %s, issued by %q, which is not in ca_certificate_pem (%s). Give the certificate of the CA %q in ca_certificate_pem, "+
		"or check that the certificate was issued by your CA.", what, issuer, holds, issuer)
}

// invalidCertificate words a certificate of the chain that verification refused.
func (c chainCheck) invalidCertificate(e x509.CertificateInvalidError, w location, at time.Time) string {
	what := "a certificate of the chain"
	if e.Cert != nil {
		what = c.describe(e.Cert)
	}
	fix := "Give the current certificates of the CA, as it delivers them."
	switch e.Reason {
	case x509.Expired:
		if e.Cert != nil && at.After(e.Cert.NotAfter) {
			return fmt.Sprintf("%s expired on %s. Replace it with the current certificate from its issuer (%q) in %s.",
				what, timeString(e.Cert.NotAfter), e.Cert.Issuer.String(), orDefault(w.input, CertificateChainInput))
		}
		if e.Cert != nil && at.Before(e.Cert.NotBefore) {
			return fmt.Sprintf("%s is not valid before %s, and the leaf needs it on %s. Check the clock of its issuer (%q), or use the CA certificate valid now.",
				what, timeString(e.Cert.NotBefore), timeString(at), e.Cert.Issuer.String())
		}
	case x509.NotAuthorizedToSign:
		return fmt.Sprintf("%s signed another certificate of the chain but is not a CA certificate (its basic constraints do not say CA:TRUE). "+
			"Give the intermediate the CA delivered with the leaf, after the leaf in certificate_chain_pem.", what)
	case x509.IncompatibleUsage:
		return fmt.Sprintf("the chain does not allow TLS server authentication: %v. Clients refuse it for a server; have %s reissued with the extended key usage serverAuth.",
			e, describeLeaf(c.chain[0]))
	}
	return fmt.Sprintf("%s is refused: %v. %s", what, e, fix)
}

// orLeaf is c, or the leaf when verification named no certificate.
func orLeaf(c, leaf *x509.Certificate) *x509.Certificate {
	if c == nil {
		return leaf
	}
	return c
}

// insecureSignature returns the algorithm of cert's signature when crypto/x509 refuses it as insecure
// (SHA-1, MD5) against a certificate of its issuer's name among the given ones, or nil. Verification
// then reports an unknown authority: no issuer whose signature it accepts.
func (c chainCheck) insecureSignature(cert *x509.Certificate) *x509.InsecureAlgorithmError {
	for _, issuer := range append(append([]*x509.Certificate{}, c.roots...), c.chain...) {
		if issuer.Equal(cert) || !bytes.Equal(issuer.RawSubject, cert.RawIssuer) {
			continue
		}
		var insecure x509.InsecureAlgorithmError
		if errors.As(cert.CheckSignatureFrom(issuer), &insecure) {
			return &insecure
		}
	}
	return nil
}

// insecureSignatureProblem words a certificate signed with an algorithm that crypto/x509 refuses.
func (c chainCheck) insecureSignatureProblem(cert *x509.Certificate, alg x509.InsecureAlgorithmError) CertificateProblem {
	hash, instead := "SHA-1", "sha256WithRSAEncryption"
	switch x509.SignatureAlgorithm(alg) {
	case x509.MD5WithRSA:
		hash = "MD5"
	case x509.MD2WithRSA:
		hash = "MD2"
	case x509.ECDSAWithSHA1:
		instead = "ecdsa-with-SHA256"
	}
	input := c.where(cert).input
	if input == "" {
		input = CertificateChainInput
	}
	return CertificateProblem{Check: CertificateChain, Input: input, Summary: "Certificate Signed With " + hash,
		Detail: fmt.Sprintf("%s is signed by %q with %s (signature algorithm %s), which is insecure: signatures over %s hashes can be forged, "+
			"so browsers and Go's crypto/x509 refuse them whoever signed, and the chain does not verify. "+
			"Have it re-issued signed with SHA-256 (%s, e.g. `openssl x509 -req -sha256`) and give the new certificate in %s.",
			c.describe(cert), cert.Issuer.String(), hash, x509.SignatureAlgorithm(alg), hash, instead, input)}
}

// keyProblems checks the key of every certificate of the chain as given and of the CA certificate the
// verified chain ends at, in that order, each once. A certificate that no input holds (a system root)
// is not the user's to replace and is not checked.
func (c chainCheck) keyProblems(verified []*x509.Certificate) []CertificateProblem {
	var out []CertificateProblem
	var seen []*x509.Certificate
	for _, cert := range append(append([]*x509.Certificate{}, c.chain...), verified...) {
		if slices.ContainsFunc(seen, cert.Equal) {
			continue
		}
		seen = append(seen, cert)
		w := c.where(cert)
		has, why := weakKey(cert)
		if w.input == "" || has == "" {
			continue
		}
		newKey := fmt.Sprintf("a new key (an RSA key of %d bits or more, `openssl req -newkey rsa:%d`, or an EC key on P-256, "+
			"`openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256`)", MinRSAKeyBits, MinRSAKeyBits)
		fix := fmt.Sprintf("Have it re-issued with %s and give the new certificate in %s.", newKey, w.input)
		if w.input == CACertificateInput {
			fix = fmt.Sprintf("Replace the CA with one that has %s, re-issue the certificates it signed, and give the new CA certificate in %s.", newKey, w.input)
		}
		out = append(out, CertificateProblem{Check: CertificateKey, Input: w.input, Summary: "Weak Certificate Key",
			Detail: fmt.Sprintf("%s has %s (rule: RSA keys of at least %d bits, or EC keys on P-256, P-384 or P-521): %s. %s",
				c.describe(cert), has, MinRSAKeyBits, why, fix)})
	}
	return out
}

// weakKey names cert's key and says why it is too weak, or returns "" when it is strong enough.
func weakKey(cert *x509.Certificate) (has, why string) {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < MinRSAKeyBits {
			return fmt.Sprintf("a %d-bit RSA key", bits), fmt.Sprintf("an RSA key under %d bits can be broken with feasible effort, "+
				"and publicly trusted CAs may not issue certificates for one (CA/Browser Forum Baseline Requirements)", MinRSAKeyBits)
		}
	case *ecdsa.PublicKey:
		if p := k.Params(); p.BitSize < 256 {
			return fmt.Sprintf("an EC key on %s", p.Name), fmt.Sprintf("%s gives less than 128 bits of security, and TLS signs with EC keys on P-256, P-384 "+
				"and P-521 only (browsers and Go's crypto/tls cannot use a key on %s)", p.Name, p.Name)
		}
	}
	return "", ""
}
