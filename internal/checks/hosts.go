// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package checks holds the rules of the ZenML Pro prerequisites that need no outside system:
// hostnames and endpoints, among others.
//
// It knows nothing about Terraform: the provider package adapts it.
package checks

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/secure/bidirule"
	"golang.org/x/text/unicode/bidi"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// ExampleHost is the valid hostname quoted in messages; it is the Web UI host of the ZenML Pro
// prerequisites page.
const ExampleHost = "zenml.ml.example.com"

// ExamplePrivateDomain is the private DNS domain quoted in messages: `internal` is the top-level domain
// ICANN reserves for private use, and the domain has the two labels a private domain needs.
const ExamplePrivateDomain = "corp.internal"

// PrivateDomainsInput is the name of the input that declares private domains, as quoted in messages.
const PrivateDomainsInput = "private_domains"

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
	HostRuleIDNA          HostRule = "labels valid under IDNA2008"
	HostRuleSingleLabel   HostRule = "at least two labels"
	HostRuleNumericTLD    HostRule = "last label not all digits, unless an IPv4 address in dotted decimal"
	HostRuleUnknownSuffix HostRule = "known public suffix"
	HostRulePublicSuffix  HostRule = "not a public suffix itself"
)

// PrivateDomainRuleNested is the rule that only a set of declared private domains has: no declared
// domain is under another, so that every host has one registrable domain.
const PrivateDomainRuleNested HostRule = "no private domain under another"

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
	// DeclareDomain is, for the known public suffix rule, the private domain whose declaration admits
	// the host: its last two labels ("corp.internal" for "zenml.ml.corp.internal"). It is "" for other
	// rules and for a host of two labels, which would be the declared domain itself.
	DeclareDomain string
	// fix is the instruction that leads to Suggestion ("Remove the trailing dot"); "Use" when empty.
	fix string
	// advice is the instruction when there is no suggestion; "Use a fully qualified domain name" when empty.
	advice string
	// hint is a closing sentence: how a private DNS zone is declared.
	hint string
}

func (e *HostError) Error() string {
	return ruleMessage(e.Host, "hostname", ExampleHost, e.Rule, e.Problem, e.Suggestion, e.fix, e.advice, e.hint)
}

// PrivateDomainError says why a value is not a valid private domain declaration, and how to fix it.
type PrivateDomainError struct {
	// Domain is the value as given.
	Domain string
	// Rule is the first rule the value breaks.
	Rule HostRule
	// Problem is what is wrong, as a clause ("it is a single label").
	Problem string
	// Suggestion is a valid private domain derived from the value ("" when none can be derived).
	Suggestion  string
	fix, advice string
}

func (e *PrivateDomainError) Error() string {
	return ruleMessage(e.Domain, "private domain", ExamplePrivateDomain, e.Rule, e.Problem, e.Suggestion, e.fix, e.advice, "")
}

// PrivateDomainErrors is every invalid entry of a set of declared private domains, sorted by value.
type PrivateDomainErrors []*PrivateDomainError

func (e PrivateDomainErrors) Error() string {
	msgs := make([]string, len(e))
	for i, pe := range e {
		msgs[i] = pe.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the entries, so that errors.As finds a *PrivateDomainError.
func (e PrivateDomainErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, pe := range e {
		out[i] = pe
	}
	return out
}

// ruleMessage is the message of a broken rule: what was given, the rule and the problem, then the fix
// with a valid value derived from the given one, or advice with an example; then the hint, if any.
func ruleMessage(value, noun, example string, rule HostRule, problem, suggestion, fix, advice, hint string) string {
	msg := fmt.Sprintf("%q is not a valid %s (rule: %s): %s. ", value, noun, rule, problem)
	switch {
	case suggestion != "" && fix != "":
		msg += fmt.Sprintf("%s: %q.", fix, suggestion)
	case suggestion != "":
		msg += fmt.Sprintf("Use %q.", suggestion)
	default:
		msg += fmt.Sprintf("%s, such as %q.", orDefault(advice, "Use a fully qualified domain name"), example)
	}
	if hint != "" {
		msg += " " + hint
	}
	return msg
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
	// RegistrableDomain is the highest domain a certificate or cookie may be scoped to: the public
	// suffix plus one label (eTLD+1), e.g. "example.com" or "example.co.uk"; for a host in a declared
	// private domain, that domain, e.g. "corp.internal" (or the eTLD+1 when the Public Suffix List puts
	// it lower).
	RegistrableDomain string
}

// ParseHost validates a hostname for a ZenML Pro endpoint. The rules are those of the ZenML Pro
// prerequisites ("Always use fully qualified domain names"): a bare host, without scheme, port, path
// or trailing dot; at least two labels of 1 to 63 lower-case letters, digits and hyphens, neither
// starting nor ending with a hyphen; at most 253 characters; a top-level label that is not all
// digits and a public suffix that is on the Public Suffix List; never localhost, *.localhost, an IP
// address or a wildcard. Internationalized names are given in their ASCII form (xn--), and every label
// is valid under IDNA2008 as lookups apply it (see checkIDNA). A refusal is a *HostError. ParseHost
// declares no private domains; see PrivateDomains.ParseHost.
func ParseHost(s string) (Host, error) {
	return PrivateDomains{}.ParseHost(s)
}

// PrivateDomains is a set of declared private domains: DNS zones that an organization runs itself (an
// air-gapped or internal site), such as "corp.internal", whose top-level domain is not on the Public
// Suffix List. A host equal to or under a declared domain passes the known public suffix rule, and the
// declared domain is its registrable domain. The zero value declares none.
type PrivateDomains struct {
	// names is sorted; no name is under another.
	names []string
}

// NewPrivateDomains validates declared private domains (see ParsePrivateDomain; repeated names count
// once, and no name may be under another) and returns the set of the valid ones. When some are invalid
// the error is PrivateDomainErrors, one entry per invalid name, and the set still holds the valid ones.
func NewPrivateDomains(names ...string) (PrivateDomains, error) {
	var valid []string
	var errs PrivateDomainErrors
	seen := map[string]bool{}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		if seen[n] {
			continue
		}
		seen[n] = true
		if err := ParsePrivateDomain(n); err != nil {
			var pe *PrivateDomainError
			if errors.As(err, &pe) {
				errs = append(errs, pe)
			}
			continue
		}
		valid = append(valid, n)
	}
	var kept []string
	for _, n := range valid {
		if parent := zoneOf(valid, n); parent != n {
			errs = append(errs, &PrivateDomainError{Domain: n, Rule: PrivateDomainRuleNested,
				Problem: fmt.Sprintf("it is under %q, which is declared too; a host has one registrable domain, the highest declared domain it is in", parent),
				fix:     "Declare only the higher domain", Suggestion: parent})
			continue
		}
		kept = append(kept, n)
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Domain < errs[j].Domain })
	if len(errs) > 0 {
		return PrivateDomains{names: kept}, errs
	}
	return PrivateDomains{names: kept}, nil
}

// Names returns the declared private domains, sorted.
func (p PrivateDomains) Names() []string { return append([]string(nil), p.names...) }

// ParseHost validates a hostname as the package-level ParseHost does, except that a host equal to or
// under a declared private domain passes the known public suffix rule; every other rule still applies.
func (p PrivateDomains) ParseHost(s string) (Host, error) {
	if err := (hostCheck{private: p.names}).check(s); err != nil {
		return Host{}, err
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(s)
	if err != nil {
		// check has ruled out every case in which eTLD+1 cannot be derived.
		return Host{}, &HostError{Host: s, Rule: HostRulePublicSuffix, Problem: err.Error()}
	}
	if zone := zoneOf(p.names, s); zone != "" && strings.Count(zone, ".") > strings.Count(reg, ".") {
		reg = zone
	}
	return Host{Name: s, RegistrableDomain: reg}, nil
}

// ParsePrivateDomain validates one private domain declaration. A private domain follows the label
// rules of a hostname (lower case, letters, digits and hyphens, label and name lengths, IDNA2008, no
// scheme, port, path, trailing dot, IP address or wildcard, a top-level label that is not all digits); it has
// at least two labels, because a single label such as "internal" would admit names like
// "zenml.internal", which the ZenML Pro prerequisites warn against; it is never localhost or under
// .localhost; and it is not itself a public suffix. Its top-level domain need not be on the Public
// Suffix List: that is what a declaration is for. A refusal is a *PrivateDomainError.
func ParsePrivateDomain(s string) error {
	e := (hostCheck{domain: true}).check(s)
	if e == nil {
		return nil
	}
	return &PrivateDomainError{Domain: s, Rule: e.Rule, Problem: e.Problem, Suggestion: e.Suggestion, fix: e.fix, advice: e.advice}
}

// zoneOf returns the highest of names that host is equal to or under, or "".
func zoneOf(names []string, host string) string {
	best := ""
	for _, n := range names {
		if (host == n || strings.HasSuffix(host, "."+n)) && (best == "" || len(n) < len(best)) {
			best = n
		}
	}
	return best
}

// hostCheck is one application of the rules: to a hostname, with the declared private domains, or to
// a private domain declaration itself.
type hostCheck struct {
	// private are the declared private domains, valid and sorted.
	private []string
	// domain is true when the value is a private domain declaration rather than a hostname.
	domain bool
}

// noun names what is checked, in messages.
func (c hostCheck) noun() string {
	if c.domain {
		return "domain"
	}
	return "hostname"
}

// derived completes e, whose problem has an obvious fix that turns the value into candidate:
// candidate becomes the suggestion when it is valid; otherwise candidate's own problem is added, so
// that one message names everything to change. Each fix removes a problem, so the recursion ends.
func (c hostCheck) derived(e *HostError, candidate string) *HostError {
	inner := c.check(candidate)
	if inner == nil {
		e.Suggestion = candidate
		return e
	}
	e.Problem = fmt.Sprintf("%s; and %q, the value with that fixed, is not valid either: %s", e.Problem, candidate, inner.Problem)
	e.Suggestion, e.fix, e.advice, e.hint, e.DeclareDomain = inner.Suggestion, "", inner.advice, inner.hint, inner.DeclareDomain
	return e
}

// check applies the rules in order and returns the first broken one, with a valid value derived from
// s when one can be derived.
func (c hostCheck) check(s string) *HostError {
	if s == "" {
		return &HostError{Host: s, Rule: HostRuleEmpty, Problem: "it is empty"}
	}
	if t := strings.TrimSpace(s); t != s {
		return c.derived(&HostError{Host: s, Rule: HostRuleWhitespace, Problem: "it has leading or trailing whitespace",
			fix: "Remove the whitespace"}, t)
	}
	if u := splitURL(s); u.hasParts() {
		return c.urlError(u, s)
	}
	if isIP(s) {
		if c.domain {
			return &HostError{Host: s, Rule: HostRuleIPAddress,
				Problem: "it is an IP address, and a private domain is a DNS zone that holds the names of the endpoints",
				advice:  "Declare the DNS zone your hosts are in"}
		}
		return &HostError{Host: s, Rule: HostRuleIPAddress,
			Problem: "it is an IP address, and ZenML Pro endpoints need DNS names: certificates, cookies and CORS are set up for names",
			advice:  "Create a DNS record for the address and give its fully qualified domain name"}
	}
	if strings.Contains(s, "*") {
		if c.domain {
			e := &HostError{Host: s, Rule: HostRuleWildcard,
				Problem: "a wildcard is not a domain; a declared domain covers every name under it already",
				fix:     "Declare the domain itself"}
			if rest, ok := strings.CutPrefix(s, "*."); ok && !strings.Contains(rest, "*") {
				return c.derived(e, rest)
			}
			return e
		}
		e := &HostError{Host: s, Rule: HostRuleWildcard,
			Problem: "a wildcard is not a host; give each endpoint its own host (this provider derives the wildcard certificate that covers them)",
			fix:     "Give a named host instead"}
		if rest, ok := strings.CutPrefix(s, "*."); ok && !strings.Contains(rest, "*") {
			return c.derived(e, "zenml."+rest)
		}
		return e
	}
	if strings.HasSuffix(s, ".") && s != "." {
		return c.derived(&HostError{Host: s, Rule: HostRuleTrailingDot, Problem: "it ends with a dot",
			fix: "Remove the trailing dot"}, strings.TrimRight(s, "."))
	}
	if isASCII(s) && strings.ToLower(s) != s {
		return c.derived(&HostError{Host: s, Rule: HostRuleUpperCase, Problem: "it contains upper-case letters",
			fix: "Use lower case"}, strings.ToLower(s))
	}
	if e := c.checkCharacters(s); e != nil {
		return e
	}
	if s == "localhost" || strings.HasSuffix(s, ".localhost") {
		return &HostError{Host: s, Rule: HostRuleLocalhost,
			Problem: "localhost names (localhost, *.localhost) are not accepted: some browsers and TLS implementations reject certificates for them"}
	}
	if len(s) > MaxHostLength {
		return &HostError{Host: s, Rule: HostRuleLength,
			Problem: fmt.Sprintf("it is %d characters long, and a %s has at most %d", len(s), c.noun(), MaxHostLength)}
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
	if e := c.checkIDNA(s, labels); e != nil {
		return e
	}
	if len(labels) < 2 {
		if c.domain {
			return &HostError{Host: s, Rule: HostRuleSingleLabel,
				Problem: fmt.Sprintf("it is a single label; a private domain has at least two labels, because a single label would admit names like \"zenml.%s\": "+
					"simple prefixes without a proper domain structure, which the ZenML Pro prerequisites warn against", s),
				advice: "Declare the zone your hosts are in, of at least two labels"}
		}
		return &HostError{Host: s, Rule: HostRuleSingleLabel,
			Problem: "it is a single label, not a fully qualified domain name (a name in a domain under a top-level domain)"}
	}
	if e := numericHost(s); e != nil {
		if e.Suggestion == "" {
			return e
		}
		return c.derived(e, e.Suggestion)
	}
	suffix, icann := publicsuffix.PublicSuffix(s)
	if !c.domain && !icann && !strings.Contains(suffix, ".") && zoneOf(c.private, s) == "" {
		return c.unknownSuffix(s, labels, suffix)
	}
	if suffix == s {
		if c.domain {
			return &HostError{Host: s, Rule: HostRulePublicSuffix,
				Problem: "it is a public suffix, under which anyone can register domains, so it is no private zone and no certificate or cookie can be scoped to it",
				advice:  "Declare your own zone"}
		}
		return &HostError{Host: s, Rule: HostRulePublicSuffix,
			Problem: "it is a public suffix, under which anyone can register domains, so no certificate or cookie can be scoped to it",
			advice:  "Use a name under your own registered domain"}
	}
	return nil
}

// unknownSuffix is the error for a host whose top-level domain is not on the Public Suffix List and
// that is in no declared private domain. It says how to declare the private zone the host is in: its
// last two labels. A host of two labels would be the zone itself, so its hint shows a host in a zone.
func (c hostCheck) unknownSuffix(s string, labels []string, suffix string) *HostError {
	e := &HostError{Host: s, Rule: HostRuleUnknownSuffix,
		Problem: fmt.Sprintf("its top-level domain %q is not on the Public Suffix List, so the name has no proper domain structure (the ZenML Pro prerequisites warn against names like zenml.cluster), "+
			"and some browsers and TLS implementations may not accept certificates for it", suffix),
		advice: "Use a name under a registered domain"}
	if len(c.private) > 0 {
		e.Problem += fmt.Sprintf("; nor is it in a declared private domain (%s)", strings.Join(wording.Quoted(c.private), ", "))
	}
	if len(labels) > 2 {
		zone := strings.Join(labels[len(labels)-2:], ".")
		if ParsePrivateDomain(zone) == nil {
			e.DeclareDomain = zone
			e.hint = fmt.Sprintf("If %q is in a private DNS zone that your organization runs (an air-gapped or internal site), declare the zone: %s = [%q].",
				s, PrivateDomainsInput, zone)
		}
		return e
	}
	zone := "corp." + suffix
	if ParsePrivateDomain(zone) == nil {
		e.hint = fmt.Sprintf("If your organization runs a private DNS zone (an air-gapped or internal site), give a host in it and declare the zone, e.g. %s = [%q] for %q.",
			PrivateDomainsInput, zone, "zenml.ml."+zone)
	}
	return e
}

// acePrefix starts the ASCII form of an internationalized label (RFC 5890): "xn--" and punycode.
const acePrefix = "xn--"

// idnaAdvice is the advice for a label that cannot be turned into a valid A-label.
var idnaAdvice = fmt.Sprintf("Give an internationalized name in the ASCII form IDNA2008 gives it (e.g. %q for %q), or labels that do not start with %q",
	"xn--bcher-kva", "bücher", acePrefix)

// checkIDNA applies IDNA2008 as browsers and resolvers do when they look a name up (the Lookup profile
// of UTS #46): a label that starts with "xn--" is the punycode of a valid internationalized label, no
// other label has hyphens in its third and fourth positions, and a name with a right-to-left label
// satisfies the Bidi rule (RFC 5893). labels are those of s, and have passed the length and hyphen rules.
func (c hostCheck) checkIDNA(s string, labels []string) *HostError {
	for i, l := range labels {
		if ascii, err := idna.Lookup.ToASCII(l); err == nil && ascii == l {
			continue
		}
		e := &HostError{Host: s, Rule: HostRuleIDNA}
		if enc, ok := strings.CutPrefix(l, acePrefix); ok {
			e.advice = idnaAdvice
			u, err := idna.Punycode.ToUnicode(l)
			if err != nil {
				e.Problem = fmt.Sprintf("its label %q starts with %q, which marks an internationalized label in its ASCII (punycode) form, but %q is not valid punycode", l, acePrefix, enc)
				return e
			}
			e.Problem = fmt.Sprintf("its label %q is the ASCII form of %q, which IDNA2008 does not allow as a label", l, u)
			// A label that maps to a valid one (upper case, decomposed letters) has an obvious fix.
			if a, err := idna.Lookup.ToASCII(u); err == nil && a != l && !strings.Contains(a, ".") {
				e.fix, e.advice = "Use the ASCII form IDNA2008 gives the name", ""
				return c.derived(e, replaceLabel(labels, i, a))
			}
			return e
		}
		if len(l) > 4 && l[2:4] == "--" {
			e.Problem = fmt.Sprintf("its label %q has hyphens in the third and fourth positions, which IDNA2008 reserves for the ASCII form of internationalized labels (%q)", l, acePrefix)
			e.fix = "Use one hyphen"
			fixed := append([]string(nil), labels...)
			for j, m := range fixed {
				if len(m) > 4 && m[2:4] == "--" && !strings.HasPrefix(m, acePrefix) {
					fixed[j] = strings.TrimSuffix(m[:2], "-") + "-" + strings.TrimLeft(m[2:], "-")
				}
			}
			return c.derived(e, strings.Join(fixed, "."))
		}
		// The length, hyphen and character rules leave no other way for an ASCII label to fail.
		e.Problem = fmt.Sprintf("its label %q is not valid under IDNA2008", l)
		e.advice = idnaAdvice
		return e
	}
	if ascii, err := idna.Lookup.ToASCII(s); err == nil && ascii == s {
		return nil
	}
	return bidiError(s, labels)
}

// bidiError is the error for a name whose labels are valid one by one but not together: the Bidi rule
// of IDNA2008 applies to every label once a name has a right-to-left label.
func bidiError(s string, labels []string) *HostError {
	e := &HostError{Host: s, Rule: HostRuleIDNA, advice: "Change the label, or use a name without right-to-left labels"}
	var rtl, rtlText, bad, badText string
	for _, l := range labels {
		u, err := idna.Lookup.ToUnicode(l)
		if err != nil {
			continue
		}
		if rtl == "" && bidirule.DirectionString(u) == bidi.RightToLeft {
			rtl, rtlText = l, u
		}
		if bad == "" && !bidirule.ValidString(u) {
			bad, badText = l, u
		}
	}
	const rule = "in such a name, among other things, every label starts with a letter and ends with a letter or digit, " +
		"and no label mixes right-to-left and left-to-right letters"
	switch {
	case bad == "" || rtl == "":
		e.Problem = "its labels are valid one by one but not together under IDNA2008"
	case bad == rtl:
		e.Problem = fmt.Sprintf("its label %q (%q) breaks the Bidi rule of IDNA2008 (RFC 5893) for right-to-left labels; %s", bad, badText, rule)
	default:
		e.Problem = fmt.Sprintf("its label %q breaks the Bidi rule of IDNA2008 (RFC 5893), which applies to every label of a name that has a right-to-left label, here %q (%q); %s",
			bad, rtl, rtlText, rule)
	}
	return e
}

// replaceLabel returns the name of labels with label i replaced by l.
func replaceLabel(labels []string, i int, l string) string {
	out := append([]string(nil), labels...)
	out[i] = l
	return strings.Join(out, ".")
}

// checkCharacters allows only a-z, 0-9, '-' and '.'; s has no upper-case ASCII letters here.
func (c hostCheck) checkCharacters(s string) *HostError {
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
				return c.derived(e, ascii)
			}
		case r == '_':
			e.Problem = fmt.Sprintf("it contains an underscore (_), which a %s may not; %s", c.noun(), allowed)
			e.fix = "Use hyphens instead"
			return c.derived(e, strings.ReplaceAll(s, "_", "-"))
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

// CheckNumericHost applies the rule that every input taking a host shares, whether or not it takes IP
// addresses: a value whose last label is all digits is an IPv4 address in dotted decimal, or nothing.
// It is no DNS name, since no top-level domain is all digits (RFC 3696 section 2) and browsers and
// resolvers read such a name as an IPv4 address; and a dotted quad with a leading zero ("010.0.0.5")
// is no address either, since some software reads that zero as octal and some as decimal. IP
// addresses (IPv4 in dotted decimal, IPv6 with or without brackets) and values whose last label has
// another character pass, and one trailing dot is ignored: the input's own rules judge them. A
// refusal is a *HostError with rule HostRuleNumericTLD that names the address meant, when there is one.
func CheckNumericHost(s string) error {
	if e := numericHost(s); e != nil {
		return e
	}
	return nil
}

// numericHost is CheckNumericHost's refusal, with the decimal address as the suggestion when s is a
// dotted quad written with leading zeros.
func numericHost(s string) *HostError {
	name := strings.TrimSuffix(s, ".")
	labels := strings.Split(name, ".")
	last := labels[len(labels)-1]
	if last == "" || !allDigits(last) || isIP(name) {
		return nil
	}
	noName := fmt.Sprintf("nor is it a DNS name: its last label %q is all digits, which the last label of a DNS name never is "+
		"(RFC 3696 section 2: no top-level domain is all digits, and browsers and resolvers read such a name as an IPv4 address)", last)
	e := &HostError{Host: s, Rule: HostRuleNumericTLD}
	numeric := true
	for _, l := range labels {
		numeric = numeric && allDigits(l)
	}
	switch {
	case !numeric:
		e.Problem = "it is not an IP address, " + noName
	case len(labels) != 4:
		e.Problem = fmt.Sprintf("it is not an IPv4 address, which is four numbers separated by dots (software reads shorter forms such as %q differently), %s",
			"10.1", noName)
	default:
		dec, oct := decimalQuad(labels)
		if dec == "" {
			for _, l := range labels {
				if n, err := strconv.Atoi(l); err != nil || n > 255 {
					e.Problem = fmt.Sprintf("it is not an IPv4 address, since %q is above 255, %s", l, noName)
					break
				}
			}
			break
		}
		zero := ""
		for _, l := range labels {
			if len(l) > 1 && l[0] == '0' {
				zero = l
				break
			}
		}
		e.Problem = fmt.Sprintf("it is not an IPv4 address, since %q has a leading zero, which some software reads as octal and some as decimal, %s", zero, noName)
		e.fix, e.Suggestion = "Write the address in decimal without leading zeros", dec
		if oct != "" && oct != dec {
			e.hint = fmt.Sprintf("If the leading zeros meant octal, the address is %q.", oct)
		}
	}
	return e
}

// decimalQuad reads four labels of digits as an IPv4 address written with leading zeros: in decimal,
// and in octal as inet_aton reads a number that starts with 0. Each is "" when it is no address.
func decimalQuad(labels []string) (dec, oct string) {
	d, o := make([]string, 0, len(labels)), make([]string, 0, len(labels))
	octal := true
	for _, l := range labels {
		n, err := strconv.ParseUint(l, 10, 8)
		if err != nil {
			return "", ""
		}
		d = append(d, strconv.FormatUint(n, 10))
		base := 10
		if len(l) > 1 && l[0] == '0' {
			base = 8
		}
		m, err := strconv.ParseUint(l, base, 8)
		if err != nil {
			octal = false
			continue
		}
		o = append(o, strconv.FormatUint(m, 10))
	}
	if octal {
		oct = strings.Join(o, ".")
	}
	return strings.Join(d, "."), oct
}

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
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

// urlError describes the URL parts to remove, and the host part's own problem if it has one.
func (c hostCheck) urlError(u urlParts, s string) *HostError {
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
	problem := "it has " + wording.Join(parts, "and") + ", which a hostname never has (this provider builds the URLs, https://<host>)"
	fix := "Remove it and give the bare host"
	if len(parts) > 1 {
		fix = "Remove them and give the bare host"
	}
	if c.domain {
		problem = "it has " + wording.Join(parts, "and") + ", which a domain never has"
		fix = strings.Replace(fix, "bare host", "bare domain", 1)
	}
	return c.derived(&HostError{Host: s, Rule: rule, Problem: problem, fix: fix}, u.host)
}
