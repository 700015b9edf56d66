// Package checks holds the rules of the ZenML Pro prerequisites that need no outside system:
// hostnames and endpoints, among others.
//
// It knows nothing about Terraform: the provider package adapts it.
package checks

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// ExampleHost is the valid hostname quoted in messages; it is the Web UI host of the ZenML Pro
// prerequisites page.
const ExampleHost = "zenml.ml.example.com"

// Length limits of a hostname (RFC 1035).
const (
	MaxHostLength  = 253
	MaxLabelLength = 63
)

// HostRule names one hostname rule; every HostError carries the rule it broke.
type HostRule string

// The hostname rules, in the order they are checked.
const (
	HostRuleEmpty         HostRule = "empty"
	HostRuleWhitespace    HostRule = "no surrounding whitespace"
	HostRuleScheme        HostRule = "no scheme"
	HostRuleUserInfo      HostRule = "no user information"
	HostRulePort          HostRule = "no port"
	HostRulePath          HostRule = "no path"
	HostRuleIPAddress     HostRule = "no IP address"
	HostRuleWildcard      HostRule = "no wildcard"
	HostRuleTrailingDot   HostRule = "no trailing dot"
	HostRuleUpperCase     HostRule = "lower case"
	HostRuleCharacters    HostRule = "letters, digits and hyphens"
	HostRuleLocalhost     HostRule = "no localhost name"
	HostRuleLength        HostRule = "at most 253 characters"
	HostRuleLabelLength   HostRule = "labels of 1 to 63 characters"
	HostRuleLabelHyphen   HostRule = "no hyphen at either end of a label"
	HostRuleSingleLabel   HostRule = "at least two labels"
	HostRuleNumericTLD    HostRule = "top-level label not all digits"
	HostRuleUnknownSuffix HostRule = "known public suffix"
	HostRulePublicSuffix  HostRule = "not a public suffix itself"
)

// HostError says why a value is not a valid ZenML Pro hostname, and how to fix it.
type HostError struct {
	// Host is the value as given.
	Host string
	// Rule is the first rule the value breaks. When fixing it leaves a value that breaks another rule,
	// Problem describes both.
	Rule HostRule
	// Problem is what is wrong, as a clause ("it ends with a dot").
	Problem string
	// Suggestion is a valid hostname derived from the value ("" when none can be derived).
	Suggestion string
	// fix is the instruction that leads to Suggestion ("Remove the trailing dot"); "Use" when empty.
	fix string
	// advice is the instruction when there is no suggestion; "Use a fully qualified domain name" when empty.
	advice string
}

func (e *HostError) Error() string {
	head := fmt.Sprintf("%q is not a valid hostname (rule: %s): %s. ", e.Host, e.Rule, e.Problem)
	switch {
	case e.Suggestion != "" && e.fix != "":
		return head + fmt.Sprintf("%s: %q.", e.fix, e.Suggestion)
	case e.Suggestion != "":
		return head + fmt.Sprintf("Use %q.", e.Suggestion)
	}
	return head + fmt.Sprintf("%s, such as %q.", orDefault(e.advice, "Use a fully qualified domain name"), ExampleHost)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Host is a hostname that passed every rule.
type Host struct {
	// Name is the hostname, e.g. "zenml.ml.example.com".
	Name string
	// RegistrableDomain is the public suffix plus one label (eTLD+1), e.g. "example.com" or
	// "example.co.uk": the highest domain a certificate or cookie may be scoped to.
	RegistrableDomain string
}

// ParseHost validates a hostname for a ZenML Pro endpoint. The rules are those of the ZenML Pro
// prerequisites ("Always use fully qualified domain names"): a bare host, without scheme, port, path
// or trailing dot; at least two labels of 1 to 63 lower-case letters, digits and hyphens, neither
// starting nor ending with a hyphen; at most 253 characters; a top-level label that is not all
// digits and a public suffix that is on the Public Suffix List; never localhost, *.localhost, an IP
// address or a wildcard. Internationalized names are given in their ASCII form (xn--). A refusal is a
// *HostError.
func ParseHost(s string) (Host, error) {
	if err := checkHost(s); err != nil {
		return Host{}, err
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(s)
	if err != nil {
		// checkHost has ruled out every case in which eTLD+1 cannot be derived.
		return Host{}, &HostError{Host: s, Rule: HostRulePublicSuffix, Problem: err.Error()}
	}
	return Host{Name: s, RegistrableDomain: reg}, nil
}

// derived completes e, whose problem has an obvious fix that turns the value into candidate:
// candidate becomes the suggestion when it is valid; otherwise candidate's own problem is added, so
// that one message names everything to change. Each fix removes a problem, so the recursion ends.
func derived(e *HostError, candidate string) *HostError {
	inner := checkHost(candidate)
	if inner == nil {
		e.Suggestion = candidate
		return e
	}
	e.Problem = fmt.Sprintf("%s; and %q, the value with that fixed, is not valid either: %s", e.Problem, candidate, inner.Problem)
	e.Suggestion, e.fix, e.advice = inner.Suggestion, "", inner.advice
	return e
}

// checkHost applies the rules in order and returns the first broken one, with a valid hostname
// derived from s when one can be derived.
func checkHost(s string) *HostError {
	if s == "" {
		return &HostError{Host: s, Rule: HostRuleEmpty, Problem: "it is empty"}
	}
	if t := strings.TrimSpace(s); t != s {
		return derived(&HostError{Host: s, Rule: HostRuleWhitespace, Problem: "it has leading or trailing whitespace",
			fix: "Remove the whitespace"}, t)
	}
	if u := splitURL(s); u.hasParts() {
		return u.error(s)
	}
	if isIP(s) {
		return &HostError{Host: s, Rule: HostRuleIPAddress,
			Problem: "it is an IP address, and ZenML Pro endpoints need DNS names: certificates, cookies and CORS are set up for names",
			advice:  "Create a DNS record for the address and give its fully qualified domain name"}
	}
	if strings.Contains(s, "*") {
		e := &HostError{Host: s, Rule: HostRuleWildcard,
			Problem: "a wildcard is not a host; give each endpoint its own host (this provider derives the wildcard certificate that covers them)",
			fix:     "Give a named host instead"}
		if rest, ok := strings.CutPrefix(s, "*."); ok && !strings.Contains(rest, "*") {
			return derived(e, "zenml."+rest)
		}
		return e
	}
	if strings.HasSuffix(s, ".") && s != "." {
		return derived(&HostError{Host: s, Rule: HostRuleTrailingDot, Problem: "it ends with a dot",
			fix: "Remove the trailing dot"}, strings.TrimRight(s, "."))
	}
	if isASCII(s) && strings.ToLower(s) != s {
		return derived(&HostError{Host: s, Rule: HostRuleUpperCase, Problem: "it contains upper-case letters",
			fix: "Use lower case"}, strings.ToLower(s))
	}
	if e := checkCharacters(s); e != nil {
		return e
	}
	if s == "localhost" || strings.HasSuffix(s, ".localhost") {
		return &HostError{Host: s, Rule: HostRuleLocalhost,
			Problem: "localhost names (localhost, *.localhost) are not accepted: some browsers and TLS implementations reject certificates for them"}
	}
	if len(s) > MaxHostLength {
		return &HostError{Host: s, Rule: HostRuleLength,
			Problem: fmt.Sprintf("it is %d characters long, and a hostname has at most %d", len(s), MaxHostLength)}
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return &HostError{Host: s, Rule: HostRuleLabelLength,
				Problem: "it has an empty label (a leading dot or two dots in a row); each label has 1 to 63 characters"}
		case len(l) > MaxLabelLength:
			return &HostError{Host: s, Rule: HostRuleLabelLength,
				Problem: fmt.Sprintf("its label %q is %d characters long; each label (the text between dots) has 1 to %d characters", l, len(l), MaxLabelLength)}
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return &HostError{Host: s, Rule: HostRuleLabelHyphen,
				Problem: fmt.Sprintf("its label %q starts or ends with a hyphen, which no label may do", l)}
		}
	}
	if len(labels) < 2 {
		return &HostError{Host: s, Rule: HostRuleSingleLabel,
			Problem: "it is a single label, not a fully qualified domain name (a name in a domain under a top-level domain)"}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return &HostError{Host: s, Rule: HostRuleNumericTLD,
			Problem: fmt.Sprintf("its top-level label %q is all digits, which no top-level domain is", tld)}
	}
	suffix, icann := publicsuffix.PublicSuffix(s)
	if !icann && !strings.Contains(suffix, ".") {
		return &HostError{Host: s, Rule: HostRuleUnknownSuffix,
			Problem: fmt.Sprintf("its top-level domain %q is not on the Public Suffix List, so the name has no proper domain structure (the ZenML Pro prerequisites warn against names like zenml.cluster), "+
				"and some browsers and TLS implementations may not accept certificates for it", suffix),
			advice: "Use a name under a registered domain"}
	}
	if suffix == s {
		return &HostError{Host: s, Rule: HostRulePublicSuffix,
			Problem: "it is a public suffix, under which anyone can register domains, so no certificate or cookie can be scoped to it",
			advice:  "Use a name under your own registered domain"}
	}
	return nil
}

// checkCharacters allows only a-z, 0-9, '-' and '.'; s has no upper-case ASCII letters here.
func checkCharacters(s string) *HostError {
	const allowed = "labels consist of lower-case letters a-z, digits 0-9 and hyphens"
	if !utf8.ValidString(s) {
		return &HostError{Host: s, Rule: HostRuleCharacters, Problem: "it is not valid UTF-8; " + allowed}
	}
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			continue
		}
		e := &HostError{Host: s, Rule: HostRuleCharacters}
		switch {
		case r >= utf8.RuneSelf:
			e.Problem = fmt.Sprintf("it contains %q; %s, and internationalized names are written in their ASCII (punycode, xn--) form", r, allowed)
			e.fix = "Use the ASCII form"
			if ascii, err := idna.Lookup.ToASCII(s); err == nil && isASCII(ascii) {
				return derived(e, ascii)
			}
		case r == '_':
			e.Problem = "it contains an underscore (_), which hostnames may not; " + allowed
			e.fix = "Use hyphens instead"
			return derived(e, strings.ReplaceAll(s, "_", "-"))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			e.Problem = "it contains whitespace; " + allowed
		default:
			e.Problem = fmt.Sprintf("it contains %q; %s", r, allowed)
		}
		return e
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isIP reports whether s is an IPv4 or IPv6 address, with or without brackets and zone.
func isIP(s string) bool {
	if inner, ok := strings.CutPrefix(s, "["); ok {
		s = strings.TrimSuffix(inner, "]")
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// urlParts is a value split the way a URL is: scheme://userinfo@host:port/path.
type urlParts struct {
	scheme, userInfo, host, port, path string
}

// splitURL finds the parts of s that a URL has and a hostname has not. The host part of a bracketed
// IPv6 address keeps its brackets; an unbracketed IPv6 address is left whole.
func splitURL(s string) urlParts {
	var u urlParts
	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		u.scheme, rest = rest[:i+3], rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		u.path, rest = rest[i:], rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		u.userInfo, rest = rest[:i+1], rest[i+1:]
	}
	switch {
	case strings.HasPrefix(rest, "["):
		if i := strings.Index(rest, "]"); i >= 0 && strings.HasPrefix(rest[i+1:], ":") {
			u.port, rest = rest[i+1:], rest[:i+1]
		}
	case strings.Count(rest, ":") == 1:
		i := strings.Index(rest, ":")
		if strings.Trim(rest[i+1:], "0123456789") == "" {
			u.port, rest = rest[i:], rest[:i]
		}
	}
	u.host = rest
	return u
}

func (u urlParts) hasParts() bool {
	return u.scheme != "" || u.userInfo != "" || u.port != "" || u.path != ""
}

// error describes the URL parts to remove, and the host part's own problem if it has one.
func (u urlParts) error(s string) *HostError {
	var parts []string
	var rule HostRule
	add := func(part, what string, r HostRule) {
		if part == "" {
			return
		}
		parts = append(parts, fmt.Sprintf("%s %q", what, part))
		if rule == "" {
			rule = r
		}
	}
	add(u.scheme, "a scheme", HostRuleScheme)
	add(u.userInfo, "user information", HostRuleUserInfo)
	add(u.port, "a port", HostRulePort)
	add(u.path, "a path", HostRulePath)
	problem := "it has " + joinAnd(parts) + ", which a hostname never has (this provider builds the URLs, https://<host>)"
	fix := "Remove it and give the bare host"
	if len(parts) > 1 {
		fix = "Remove them and give the bare host"
	}
	return derived(&HostError{Host: s, Rule: rule, Problem: problem, fix: fix}, u.host)
}

// joinAnd joins phrases as "a", "a and b" or "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
