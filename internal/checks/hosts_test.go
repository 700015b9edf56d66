// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// hostOfLength returns a valid host of exactly n characters ending in .example.com.
func hostOfLength(t *testing.T, n int) string {
	t.Helper()
	const tail = ".example.com"
	rest := n - len(tail)
	var labels []string
	for rest > 0 {
		l := min(rest, MaxLabelLength)
		if rest-l == 1 { // a lone dot left over: shorten this label so the next has a character
			l--
		}
		labels = append(labels, strings.Repeat("a", l))
		rest -= l + 1
	}
	h := strings.Join(labels, ".") + tail
	if len(h) != n {
		t.Fatalf("hostOfLength(%d) built %d characters", n, len(h))
	}
	return h
}

func TestParseHostAccepts(t *testing.T) {
	cases := []struct{ host, registrable string }{
		// The ZenML Pro prerequisites page's own hosts.
		{"zenml.ml.example.com", "example.com"},
		{"zenml-api.ml.example.com", "example.com"},
		{"zenml-workspace-1.ml.example.com", "example.com"},
		{"workspace-1.ml.example.com", "example.com"},
		{"zenml-api.site-one.com", "site-one.com"},
		{"zenml.site-one.com", "site-one.com"},
		{"ml-workspace.site-two.com", "site-two.com"},
		// Registrable domains themselves and other layouts.
		{"example.com", "example.com"},
		{"ml.example.com", "example.com"},
		{"site-one.com", "site-one.com"},
		{"site-two.com", "site-two.com"},
		{"internal.example.co.uk", "example.co.uk"},
		{"123.example.com", "example.com"},
		{"xn--zrich-kva.example.com", "example.com"},     // punycode label
		{"xn--bcher-kva.example.com", "example.com"},     // punycode label (bücher)
		{"xn--4gbrim.example.com", "example.com"},        // right-to-left punycode label (موقع)
		{"zenml.xn--4gbrim.example.com", "example.com"},  // beside it, a label that starts with a letter
		{"a--b.example.com", "example.com"},              // two hyphens, not in the third and fourth positions
		{"zenml--api.example.com", "example.com"},        // two hyphens further in
		{"zenml.example.xn--p1ai", "example.xn--p1ai"},   // punycode TLD (.рф)
		{"zenml.my-team.github.io", "my-team.github.io"}, // private suffix
		{strings.Repeat("a", 63) + ".example.com", "example.com"},
		{hostOfLength(t, 253), "example.com"},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			h, err := ParseHost(c.host)
			if err != nil {
				t.Fatalf("ParseHost(%q) = %v, want no error", c.host, err)
			}
			if h.Name != c.host || h.RegistrableDomain != c.registrable {
				t.Errorf("ParseHost(%q) = %+v, want name %q, registrable domain %q", c.host, h, c.host, c.registrable)
			}
		})
	}
}

func TestParseHostRejects(t *testing.T) {
	cases := []struct {
		name, host string
		rule       HostRule
		suggestion string   // "" when none can be derived
		fragments  []string // parts of the message, besides the host and the rule
	}{
		{"empty", "", HostRuleEmpty, "", []string{"it is empty", ExampleHost}},
		{"whitespace", " zenml.ml.example.com", HostRuleWhitespace, ExampleHost, []string{"Remove the whitespace"}},
		{"inner whitespace", "zenml .ml.example.com", HostRuleCharacters, "", []string{"whitespace"}},
		{"scheme and path", "https://zenml.ml.example.com/", HostRuleScheme, ExampleHost,
			[]string{`a scheme "https://" and a path "/"`, "Remove them and give the bare host"}},
		{"scheme", "https://zenml.ml.example.com", HostRuleScheme, ExampleHost, []string{`a scheme "https://"`, "Remove it"}},
		{"port", "zenml.ml.example.com:443", HostRulePort, ExampleHost, []string{`a port ":443"`}},
		{"path", "zenml.ml.example.com/api/v1", HostRulePath, ExampleHost, []string{`a path "/api/v1"`}},
		{"query", "zenml.ml.example.com?x=1", HostRulePath, ExampleHost, nil},
		{"user information", "admin@zenml.ml.example.com", HostRuleUserInfo, ExampleHost, nil},
		{"scheme with invalid host", "https://localhost", HostRuleScheme, "",
			[]string{`"localhost", the value with that fixed, is not valid either`, "localhost names"}},
		{"URL with upper case", "HTTPS://ZenML.ml.example.com:8443/", HostRuleScheme, ExampleHost,
			[]string{"upper-case"}},
		{"IPv4", "10.0.0.1", HostRuleIPAddress, "", []string{"IP address", "DNS record"}},
		{"IPv4 with port", "10.0.0.1:8080", HostRulePort, "", []string{"IP address"}},
		{"IPv6", "2001:db8::1", HostRuleIPAddress, "", nil},
		{"IPv6 loopback", "::1", HostRuleIPAddress, "", nil},
		{"IPv6 in brackets", "[2001:db8::1]", HostRuleIPAddress, "", nil},
		{"IPv6 in brackets with port", "[::1]:443", HostRulePort, "", []string{"IP address"}},
		{"IPv6 with zone", "fe80::1%eth0", HostRuleIPAddress, "", nil},
		{"wildcard", "*.ml.example.com", HostRuleWildcard, ExampleHost, []string{"wildcard certificate"}},
		{"bare wildcard", "*", HostRuleWildcard, "", nil},
		{"inner wildcard", "zenml.*.example.com", HostRuleWildcard, "", nil},
		{"trailing dot", "zenml.ml.example.com.", HostRuleTrailingDot, ExampleHost, []string{"Remove the trailing dot"}},
		{"upper case", "ZenML.example.com", HostRuleUpperCase, "zenml.example.com", []string{"Use lower case"}},
		{"upper case localhost", "ZENML.LOCALHOST", HostRuleUpperCase, "", []string{"localhost names"}},
		{"underscore", "zenml_api.ml.example.com", HostRuleCharacters, "zenml-api.ml.example.com", []string{"underscore"}},
		{"non-ASCII", "zürich.example.com", HostRuleCharacters, "xn--zrich-kva.example.com", []string{"punycode"}},
		{"colon", "a:b.example.com", HostRuleCharacters, "", []string{`':'`}},
		{"invalid UTF-8", "zenml.\xff.example.com", HostRuleCharacters, "", []string{"UTF-8"}},
		{"invalid punycode", "xn--zz.example.com", HostRuleIDNA, "", []string{
			`its label "xn--zz" starts with "xn--", which marks an internationalized label in its ASCII (punycode) form, but "zz" is not valid punycode`,
			`Give an internationalized name in the ASCII form IDNA2008 gives it (e.g. "xn--bcher-kva" for "bücher"), or labels that do not start with "xn--", such as "zenml.ml.example.com".`}},
		{"invalid punycode after a valid label", "zenml.xn--bcher-kva1.example.com", HostRuleIDNA, "", []string{`"bcher-kva1" is not valid punycode`}},
		{"punycode prefix alone", "xn--.example.com", HostRuleLabelHyphen, "", []string{`its label "xn--" starts or ends with a hyphen`}},
		{"punycode of a disallowed character", "xn--a.example.com", HostRuleIDNA, "", []string{
			`its label "xn--a" is the ASCII form of "\u0080", which IDNA2008 does not allow as a label`}},
		{"punycode of a joiner", "xn--abc-fn0a.example.com", HostRuleIDNA, "", []string{`"ab\u200dc", which IDNA2008 does not allow as a label`}},
		{"punycode of upper case", "xn--bcher-2pa.example.com", HostRuleIDNA, "xn--bcher-kva.example.com", []string{
			`its label "xn--bcher-2pa" is the ASCII form of "bÜcher", which IDNA2008 does not allow as a label`,
			`Use the ASCII form IDNA2008 gives the name: "xn--bcher-kva.example.com".`}},
		{"punycode of decomposed letters", "xn--bucher-xyd.example.com", HostRuleIDNA, "xn--bcher-kva.example.com", nil},
		{"hyphens in the third and fourth positions", "ab--cd.example.com", HostRuleIDNA, "ab-cd.example.com", []string{
			`its label "ab--cd" has hyphens in the third and fourth positions, which IDNA2008 reserves for the ASCII form of internationalized labels ("xn--")`,
			`Use one hyphen: "ab-cd.example.com".`}},
		{"three hyphens from the third position", "ab---cd.example.com", HostRuleIDNA, "ab-cd.example.com", nil},
		{"hyphens from the second position", "a---b.example.com", HostRuleIDNA, "a-b.example.com", nil},
		{"reserved hyphens in two labels", "ab--cd.ml--x.example.com", HostRuleIDNA, "ab-cd.ml-x.example.com", nil},
		{"reserved hyphens and invalid punycode", "ab--cd.xn--zz.example.com", HostRuleIDNA, "", []string{
			`"ab-cd.xn--zz.example.com", the value with that fixed, is not valid either`, `"zz" is not valid punycode`}},
		{"bidi rule", "123.xn--4gbrim.example.com", HostRuleIDNA, "", []string{
			`its label "123" breaks the Bidi rule of IDNA2008 (RFC 5893), which applies to every label of a name that has a right-to-left label, here "xn--4gbrim" ("موقع")`,
			"every label starts with a letter", `Change the label, or use a name without right-to-left labels, such as "zenml.ml.example.com".`}},
		{"localhost", "localhost", HostRuleLocalhost, "", []string{"localhost names"}},
		{"subdomain of localhost", "zenml.localhost", HostRuleLocalhost, "", []string{"localhost names"}},
		{"too long", hostOfLength(t, 254), HostRuleLength, "", []string{"254 characters", "at most 253"}},
		{"label too long", strings.Repeat("a", 64) + ".example.com", HostRuleLabelLength, "", []string{"64 characters"}},
		{"empty label", "zenml..example.com", HostRuleLabelLength, "", []string{"empty label"}},
		{"leading dot", ".example.com", HostRuleLabelLength, "", []string{"empty label"}},
		{"leading hyphen", "-zenml.example.com", HostRuleLabelHyphen, "", []string{`"-zenml"`}},
		{"trailing hyphen", "zenml-.example.com", HostRuleLabelHyphen, "", nil},
		{"single label", "zenml", HostRuleSingleLabel, "", []string{"single label"}},
		{"numeric TLD", "example.123", HostRuleNumericTLD, "", []string{`"123"`}},
		{"numeric labels", "1.2.3.4.5", HostRuleNumericTLD, "", nil},
		{"simple DNS prefix", "zenml.cluster", HostRuleUnknownSuffix, "", []string{`"cluster"`, "Public Suffix List",
			`give a host in it and declare the zone, e.g. private_domains = ["corp.cluster"] for "zenml.ml.corp.cluster".`}},
		{"unlisted TLD", "zenml.corp.internal", HostRuleUnknownSuffix, "", []string{
			`If "zenml.corp.internal" is in a private DNS zone that your organization runs (an air-gapped or internal site), declare the zone: private_domains = ["corp.internal"].`}},
		{"upper case under an unlisted TLD", "ZenML.ml.corp.internal", HostRuleUpperCase, "", []string{
			`"zenml.ml.corp.internal", the value with that fixed, is not valid either`, `private_domains = ["corp.internal"]`}},
		{"ICANN public suffix", "co.uk", HostRulePublicSuffix, "", []string{"public suffix"}},
		{"private public suffix", "github.io", HostRulePublicSuffix, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseHost(c.host)
			var he *HostError
			if !errors.As(err, &he) {
				t.Fatalf("ParseHost(%q) = %v, want a *HostError", c.host, err)
			}
			if he.Rule != c.rule || he.Host != c.host || he.Suggestion != c.suggestion {
				t.Errorf("ParseHost(%q): rule %q, host %q, suggestion %q; want rule %q, suggestion %q\n%s",
					c.host, he.Rule, he.Host, he.Suggestion, c.rule, c.suggestion, err)
			}
			msg := err.Error()
			want := append([]string{strconv.Quote(c.host) + " is not a valid hostname (rule: " + string(c.rule) + ")"}, c.fragments...)
			if c.suggestion != "" {
				want = append(want, strconv.Quote(c.suggestion)+".")
			} else {
				want = append(want, "such as "+strconv.Quote(ExampleHost)+".")
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
}

func FuzzParseHost(f *testing.F) {
	for _, s := range []string{
		"zenml.ml.example.com", "zenml-api.site-one.com", "internal.example.co.uk", "xn--zrich-kva.example.com",
		"", " x.com", "https://zenml.ml.example.com/", "zenml.ml.example.com:443", "[::1]:443", "fe80::1%eth0",
		"*.ml.example.com", "zenml.ml.example.com.", "ZenML.example.com", "zenml.localhost", "zenml", "zenml.cluster",
		"co.uk", "zürich.example.com", "a_b.example.com", "-a.example.com", "1.2.3.4", "HTTPS://A_B.LOCALHOST.:1/",
		"\xff.example.com", "..", ".", "*.*.com", "a@b@c.com", "zenml.ml.corp.internal", "ZenML.ml.corp.internal", "zenml.lan.example",
		"xn--zz.example.com", "ab--cd.example.com", "xn--bcher-kva.example.com", "xn--.example.com", "xn--bcher-2pa.example.com",
		"123.xn--4gbrim.example.com", "ab--cd.xn--zz.example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHost(s)
		if err == nil {
			if h.Name != s {
				t.Fatalf("ParseHost(%q) changed the name to %q", s, h.Name)
			}
			if strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" || len(s) > MaxHostLength ||
				!strings.Contains(s, ".") || strings.HasSuffix(s, ".") || strings.HasPrefix(s, ".") {
				t.Fatalf("ParseHost accepted %q", s)
			}
			if ascii, err := idna.Lookup.ToASCII(s); err != nil || ascii != s {
				t.Fatalf("ParseHost accepted %q, which IDNA's lookup profile turns into %q, %v", s, ascii, err)
			}
			if s != h.RegistrableDomain && !strings.HasSuffix(s, "."+h.RegistrableDomain) {
				t.Fatalf("registrable domain %q of %q is not a parent", h.RegistrableDomain, s)
			}
			if again, err := ParseHost(h.Name); err != nil || again != h {
				t.Fatalf("accepted %q does not re-validate: %v", s, err)
			}
			return
		}
		var he *HostError
		if !errors.As(err, &he) {
			t.Fatalf("ParseHost(%q) returned %T, want *HostError", s, err)
		}
		if he.Rule == "" || he.Problem == "" || he.Host != s {
			t.Fatalf("incomplete error for %q: %+v", s, he)
		}
		if he.Suggestion != "" {
			if _, err := ParseHost(he.Suggestion); err != nil {
				t.Fatalf("suggestion %q for %q is invalid: %v", he.Suggestion, s, err)
			}
		}
		if !strings.Contains(err.Error(), "is not a valid hostname") {
			t.Fatalf("message for %q: %s", s, err)
		}
	})
}

func TestParseHostUnknownSuffixNamesTheZone(t *testing.T) {
	cases := []struct{ host, declare, fragment string }{
		{"zenml.ml.corp.internal", "corp.internal", `declare the zone: private_domains = ["corp.internal"].`},
		{"zenml.corp.internal", "corp.internal", `declare the zone: private_domains = ["corp.internal"].`},
		{"zenml.lan.example", "lan.example", `declare the zone: private_domains = ["lan.example"].`},
		{"ZenML.ml.corp.internal", "corp.internal", `If "zenml.ml.corp.internal" is in a private DNS zone`},
		// Two labels: the zone would be the host itself, so the hint shows a host in a zone instead.
		{"zenml.cluster", "", `e.g. private_domains = ["corp.cluster"] for "zenml.ml.corp.cluster".`},
		{"zenml.internal", "", `e.g. private_domains = ["corp.internal"] for "zenml.ml.corp.internal".`},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			_, err := ParseHost(c.host)
			var he *HostError
			if !errors.As(err, &he) {
				t.Fatalf("ParseHost(%q) = %v, want a *HostError", c.host, err)
			}
			if he.DeclareDomain != c.declare {
				t.Errorf("DeclareDomain = %q, want %q", he.DeclareDomain, c.declare)
			}
			msg := err.Error()
			for _, w := range []string{"is not on the Public Suffix List", "Use a name under a registered domain, such as \"zenml.ml.example.com\".", c.fragment} {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if c.declare == "" {
				return
			}
			private, err := NewPrivateDomains(c.declare)
			if err != nil {
				t.Fatalf("the declared domain %q is not valid: %v", c.declare, err)
			}
			if _, err := private.ParseHost(strings.ToLower(c.host)); err != nil {
				t.Errorf("with %q declared, ParseHost(%q) = %v", c.declare, strings.ToLower(c.host), err)
			}
		})
	}
}

func TestPrivateDomainsParseHostAccepts(t *testing.T) {
	cases := []struct {
		private           []string
		host, registrable string
	}{
		{[]string{"corp.internal"}, "zenml.ml.corp.internal", "corp.internal"},
		{[]string{"corp.internal"}, "zenml-workspace-1.ml.corp.internal", "corp.internal"},
		{[]string{"corp.internal"}, "corp.internal", "corp.internal"},
		{[]string{"ml.corp.internal"}, "zenml.ml.corp.internal", "ml.corp.internal"},
		{[]string{"lan.example"}, "zenml.lan.example", "lan.example"},
		{[]string{"corp.internal", "lan.example"}, "zenml.lan.example", "lan.example"},
		{[]string{"ml.site.cluster"}, "zenml.ml.site.cluster", "ml.site.cluster"},
		// A declared domain under a public suffix narrows the registrable domain.
		{[]string{"ml.example.com"}, "zenml.ml.example.com", "ml.example.com"},
		// Hosts outside every declared domain keep the public rules.
		{[]string{"corp.internal"}, "zenml.ml.example.com", "example.com"},
		// Where the Public Suffix List puts the registrable domain lower, it stays.
		{[]string{"example.com"}, "zenml.example.com", "example.com"},
		{[]string{"corp.github.io"}, "zenml.corp.github.io", "corp.github.io"},
		{[]string{"amazonaws.com"}, "bucket.s3.amazonaws.com", "bucket.s3.amazonaws.com"},
		// The rules themselves: the page's own hosts under a declared zone.
		{[]string{"corp.internal"}, "123.corp.internal", "corp.internal"},
		{[]string{"corp.internal"}, "xn--zrich-kva.corp.internal", "corp.internal"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.private, ",")+" "+c.host, func(t *testing.T) {
			p, err := NewPrivateDomains(c.private...)
			if err != nil {
				t.Fatalf("NewPrivateDomains(%q) = %v", c.private, err)
			}
			h, err := p.ParseHost(c.host)
			if err != nil {
				t.Fatalf("ParseHost(%q) = %v, want no error", c.host, err)
			}
			if h.Name != c.host || h.RegistrableDomain != c.registrable {
				t.Errorf("ParseHost(%q) = %+v, want registrable domain %q", c.host, h, c.registrable)
			}
		})
	}
}

func TestPrivateDomainsParseHostRejects(t *testing.T) {
	cases := []struct {
		name       string
		private    []string
		host       string
		rule       HostRule
		suggestion string
		fragments  []string
	}{
		{"not declared", nil, "zenml.ml.corp.internal", HostRuleUnknownSuffix, "",
			[]string{`private_domains = ["corp.internal"]`}},
		{"another zone declared", []string{"lan.example"}, "zenml.ml.corp.internal", HostRuleUnknownSuffix, "",
			[]string{`nor is it in a declared private domain ("lan.example")`, `private_domains = ["corp.internal"]`}},
		{"sibling of the declared zone", []string{"ml.corp.internal"}, "zenml.eu.corp.internal", HostRuleUnknownSuffix, "", nil},
		{"upper case", []string{"corp.internal"}, "ZenML.ml.corp.internal", HostRuleUpperCase, "zenml.ml.corp.internal",
			[]string{"Use lower case"}},
		{"scheme", []string{"corp.internal"}, "https://zenml.corp.internal", HostRuleScheme, "zenml.corp.internal", nil},
		{"port", []string{"corp.internal"}, "zenml.corp.internal:8443", HostRulePort, "zenml.corp.internal", nil},
		{"path", []string{"corp.internal"}, "zenml.corp.internal/api/v1", HostRulePath, "zenml.corp.internal", nil},
		{"trailing dot", []string{"corp.internal"}, "zenml.corp.internal.", HostRuleTrailingDot, "zenml.corp.internal", nil},
		{"wildcard", []string{"corp.internal"}, "*.ml.corp.internal", HostRuleWildcard, "zenml.ml.corp.internal", nil},
		{"underscore", []string{"corp.internal"}, "zenml_api.corp.internal", HostRuleCharacters, "zenml-api.corp.internal", nil},
		{"label too long", []string{"corp.internal"}, strings.Repeat("a", 64) + ".corp.internal", HostRuleLabelLength, "", nil},
		{"leading hyphen", []string{"corp.internal"}, "-zenml.corp.internal", HostRuleLabelHyphen, "", nil},
		{"IP address", []string{"corp.internal"}, "10.0.0.1", HostRuleIPAddress, "", nil},
		{"localhost", []string{"corp.internal"}, "zenml.localhost", HostRuleLocalhost, "", nil},
		{"a public suffix stays refused", []string{"amazonaws.com"}, "s3.amazonaws.com", HostRulePublicSuffix, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewPrivateDomains(c.private...)
			if err != nil {
				t.Fatalf("NewPrivateDomains(%q) = %v", c.private, err)
			}
			_, err = p.ParseHost(c.host)
			var he *HostError
			if !errors.As(err, &he) {
				t.Fatalf("ParseHost(%q) = %v, want a *HostError", c.host, err)
			}
			if he.Rule != c.rule || he.Suggestion != c.suggestion {
				t.Errorf("ParseHost(%q): rule %q, suggestion %q; want rule %q, suggestion %q\n%s", c.host, he.Rule, he.Suggestion, c.rule, c.suggestion, err)
			}
			for _, f := range c.fragments {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("message %q lacks %q", err, f)
				}
			}
		})
	}
}

func TestParsePrivateDomain(t *testing.T) {
	for _, ok := range []string{"corp.internal", "ml.corp.internal", "lan.example", "site.cluster", "example.com", "corp.example.co.uk",
		"corp.github.io", "xn--zrich-kva.internal", "a.b"} {
		if err := ParsePrivateDomain(ok); err != nil {
			t.Errorf("ParsePrivateDomain(%q) = %v, want no error", ok, err)
		}
	}
	cases := []struct {
		name, domain string
		rule         HostRule
		suggestion   string
		fragments    []string
	}{
		{"empty", "", HostRuleEmpty, "", []string{`such as "corp.internal".`}},
		{"single label", "internal", HostRuleSingleLabel, "", []string{
			`"internal" is not a valid private domain (rule: at least two labels): it is a single label`,
			`would admit names like "zenml.internal"`, `Declare the zone your hosts are in, of at least two labels, such as "corp.internal".`}},
		{"single label corp", "corp", HostRuleSingleLabel, "", []string{`"zenml.corp"`}},
		{"localhost", "localhost", HostRuleLocalhost, "", []string{"localhost names"}},
		{"under localhost", "corp.localhost", HostRuleLocalhost, "", nil},
		{"ICANN public suffix", "co.uk", HostRulePublicSuffix, "", []string{"it is a public suffix", `Declare your own zone, such as "corp.internal".`}},
		{"private public suffix", "github.io", HostRulePublicSuffix, "", nil},
		{"top-level domain", "com", HostRuleSingleLabel, "", nil},
		{"upper case", "Corp.Internal", HostRuleUpperCase, "corp.internal", []string{`Use lower case: "corp.internal".`}},
		{"leading dot", ".corp.internal", HostRuleLabelLength, "", nil},
		{"trailing dot", "corp.internal.", HostRuleTrailingDot, "corp.internal", nil},
		{"wildcard", "*.corp.internal", HostRuleWildcard, "corp.internal", []string{`Declare the domain itself: "corp.internal".`}},
		{"scheme", "https://corp.internal", HostRuleScheme, "corp.internal", []string{"which a domain never has", "give the bare domain"}},
		{"IP address", "10.0.0.1", HostRuleIPAddress, "", []string{"DNS zone"}},
		{"numeric top-level label", "corp.10", HostRuleNumericTLD, "", nil},
		{"underscore", "my_corp.internal", HostRuleCharacters, "my-corp.internal", []string{"which a domain may not"}},
		{"hyphen", "-corp.internal", HostRuleLabelHyphen, "", nil},
		{"label too long", strings.Repeat("a", 64) + ".internal", HostRuleLabelLength, "", nil},
		{"too long", hostOfLength(t, 254), HostRuleLength, "", []string{"a domain has at most 253"}},
		{"whitespace", " corp.internal", HostRuleWhitespace, "corp.internal", nil},
		{"invalid punycode", "xn--zz.internal", HostRuleIDNA, "", []string{`"zz" is not valid punycode`, `such as "corp.internal".`}},
		{"hyphens in the third and fourth positions", "ab--cd.internal", HostRuleIDNA, "ab-cd.internal", []string{`Use one hyphen: "ab-cd.internal".`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ParsePrivateDomain(c.domain)
			var pe *PrivateDomainError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePrivateDomain(%q) = %v, want a *PrivateDomainError", c.domain, err)
			}
			var he *HostError
			if errors.As(err, &he) {
				t.Errorf("ParsePrivateDomain(%q) is also a *HostError", c.domain)
			}
			if pe.Domain != c.domain || pe.Rule != c.rule || pe.Suggestion != c.suggestion {
				t.Errorf("ParsePrivateDomain(%q): rule %q, suggestion %q; want rule %q, suggestion %q\n%s", c.domain, pe.Rule, pe.Suggestion, c.rule, c.suggestion, err)
			}
			want := append([]string{strconv.Quote(c.domain) + " is not a valid private domain (rule: " + string(c.rule) + ")"}, c.fragments...)
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestNewPrivateDomains(t *testing.T) {
	p, err := NewPrivateDomains("lan.example", "corp.internal", "lan.example")
	if err != nil || !reflect.DeepEqual(p.Names(), []string{"corp.internal", "lan.example"}) {
		t.Errorf("NewPrivateDomains = %q, %v; want the two names, sorted and once each", p.Names(), err)
	}
	if p, err := NewPrivateDomains(); err != nil || len(p.Names()) != 0 {
		t.Errorf("NewPrivateDomains() = %q, %v", p.Names(), err)
	}

	p, err = NewPrivateDomains("ml.corp.internal", "internal", "corp.internal", "lan.example")
	var errs PrivateDomainErrors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("NewPrivateDomains = %v, want two PrivateDomainErrors", err)
	}
	if errs[0].Domain != "internal" || errs[0].Rule != HostRuleSingleLabel {
		t.Errorf("first problem %+v, want internal, single label", errs[0])
	}
	if errs[1].Domain != "ml.corp.internal" || errs[1].Rule != PrivateDomainRuleNested || errs[1].Suggestion != "corp.internal" {
		t.Errorf("second problem %+v, want ml.corp.internal under corp.internal", errs[1])
	}
	if want := `"ml.corp.internal" is not a valid private domain (rule: no private domain under another): it is under "corp.internal", which is declared too`; !strings.Contains(errs[1].Error(), want) {
		t.Errorf("message %q lacks %q", errs[1], want)
	}
	if !strings.Contains(errs[1].Error(), `Declare only the higher domain: "corp.internal".`) {
		t.Errorf("message %q lacks the fix", errs[1])
	}
	// The valid names still count.
	if !reflect.DeepEqual(p.Names(), []string{"corp.internal", "lan.example"}) {
		t.Errorf("valid names %q", p.Names())
	}
	if h, err := p.ParseHost("zenml.ml.corp.internal"); err != nil || h.RegistrableDomain != "corp.internal" {
		t.Errorf("ParseHost = %+v, %v", h, err)
	}
}

func FuzzPrivateDomainsParseHost(f *testing.F) {
	for _, c := range [][2]string{
		{"corp.internal", "zenml.ml.corp.internal"}, {"corp.internal", "corp.internal"}, {"internal", "zenml.internal"},
		{"lan.example", "zenml.lan.example"}, {"ml.example.com", "zenml.ml.example.com"}, {"amazonaws.com", "b.s3.amazonaws.com"},
		{"localhost", "zenml.localhost"}, {"co.uk", "zenml.co.uk"}, {"Corp.Internal", "ZenML.corp.internal"},
		{"*.corp.internal", "*.corp.internal"}, {"corp.internal.", "zenml.corp.internal."}, {"", ""}, {"a.b", "a.b"},
		{"corp.internal", "zenml.cluster"}, {"corp.internal", "https://zenml.corp.internal:443/"},
		{"ab--cd.internal", "zenml.ab--cd.internal"}, {"xn--zz.internal", "zenml.xn--zz.internal"}, {"corp.internal", "123.xn--4gbrim.corp.internal"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, domain, host string) {
		derr := ParsePrivateDomain(domain)
		p, err := NewPrivateDomains(domain)
		if (derr == nil) != (err == nil) {
			t.Fatalf("ParsePrivateDomain(%q) = %v but NewPrivateDomains = %v", domain, derr, err)
		}
		if derr == nil {
			if strings.Trim(domain, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" || !strings.Contains(domain, ".") ||
				domain == "localhost" || strings.HasSuffix(domain, ".localhost") {
				t.Fatalf("ParsePrivateDomain accepted %q", domain)
			}
			if suffix, _ := publicsuffix.PublicSuffix(domain); suffix == domain {
				t.Fatalf("ParsePrivateDomain accepted the public suffix %q", domain)
			}
			if _, err := p.ParseHost(domain); err != nil {
				t.Fatalf("the declared domain %q is not a host under itself: %v", domain, err)
			}
		} else {
			var pe *PrivateDomainError
			if !errors.As(derr, &pe) || pe.Rule == "" || pe.Problem == "" || pe.Domain != domain {
				t.Fatalf("incomplete error for %q: %v", domain, derr)
			}
			if pe.Suggestion != "" && ParsePrivateDomain(pe.Suggestion) != nil {
				t.Fatalf("suggestion %q for %q is invalid", pe.Suggestion, domain)
			}
		}
		h, err := p.ParseHost(host)
		if err != nil {
			var he *HostError
			if !errors.As(err, &he) || he.Rule == "" || he.Problem == "" {
				t.Fatalf("ParseHost(%q) = %v, want a complete *HostError", host, err)
			}
			if he.Suggestion != "" {
				if _, err := p.ParseHost(he.Suggestion); err != nil {
					t.Fatalf("suggestion %q for %q is invalid: %v", he.Suggestion, host, err)
				}
			}
			if he.DeclareDomain != "" {
				q, err := NewPrivateDomains(he.DeclareDomain)
				if err != nil {
					t.Fatalf("DeclareDomain %q for %q is invalid: %v", he.DeclareDomain, host, err)
				}
				if he.Rule == HostRuleUnknownSuffix {
					if _, err := q.ParseHost(host); err != nil {
						t.Fatalf("declaring %q does not admit %q: %v", he.DeclareDomain, host, err)
					}
				}
			}
			return
		}
		if _, plain := ParseHost(host); plain == nil {
			if reg, _ := publicsuffix.EffectiveTLDPlusOne(host); h.RegistrableDomain != reg && !strings.HasSuffix(h.RegistrableDomain, "."+reg) {
				t.Fatalf("registrable domain %q of %q is above the public one %q", h.RegistrableDomain, host, reg)
			}
		} else if derr != nil || (host != domain && !strings.HasSuffix(host, "."+domain)) {
			t.Fatalf("ParseHost(%q) accepted, though only %q is declared (%v) and the host is refused without it", host, domain, derr)
		}
		if host != h.RegistrableDomain && !strings.HasSuffix(host, "."+h.RegistrableDomain) {
			t.Fatalf("registrable domain %q of %q is not a parent", h.RegistrableDomain, host)
		}
		if ascii, err := idna.Lookup.ToASCII(host); err != nil || ascii != host {
			t.Fatalf("ParseHost accepted %q, which IDNA's lookup profile turns into %q, %v", host, ascii, err)
		}
	})
}

// TestCheckNumericHost: every input that takes a host refuses a value whose last label is all digits
// unless it is an IPv4 address in dotted decimal: the endpoint hosts (which take no address at all),
// the private domains, and the bare rule that the other host inputs apply.
func TestCheckNumericHost(t *testing.T) {
	for _, h := range []string{"10.0.0.5", "0.0.0.0", "2001:db8::5", "[2001:db8::5]", "::ffff:10.0.0.5", "10.0.0.5.", "zenml.ml.example.com", "db-1", "1.2.3.4x", ""} {
		if err := CheckNumericHost(h); err != nil {
			t.Errorf("CheckNumericHost(%q): %v", h, err)
		}
	}
	cases := []struct {
		host, suggestion string
		phrases          []string
	}{
		{"010.0.0.5", "10.0.0.5", []string{`since "010" has a leading zero, which some software reads as octal and some as decimal`,
			`nor is it a DNS name: its last label "5" is all digits`, `RFC 3696 section 2`,
			`Write the address in decimal without leading zeros: "10.0.0.5". If the leading zeros meant octal, the address is "8.0.0.5".`}},
		{"192.168.001.010", "192.168.1.10", []string{`since "001" has a leading zero`, `the address is "192.168.1.8".`}},
		{"10.0.0.09", "10.0.0.9", []string{`since "09" has a leading zero`, `: "10.0.0.9".`}},
		{"10.0.0.300", "", []string{`since "300" is above 255`}},
		{"10.5", "", []string{`which is four numbers separated by dots`}},
		{"zenml.0.0.5", "", []string{`it is not an IP address, nor is it a DNS name: its last label "5" is all digits`}},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			var he *HostError
			if err := CheckNumericHost(c.host); !errors.As(err, &he) {
				t.Fatalf("error %v, want a *HostError", err)
			}
			if he.Rule != HostRuleNumericTLD || he.Suggestion != c.suggestion {
				t.Errorf("rule %q, suggestion %q; want %q, %q", he.Rule, he.Suggestion, HostRuleNumericTLD, c.suggestion)
			}
			for _, p := range c.phrases {
				if !strings.Contains(he.Error(), p) {
					t.Errorf("message %q\nwant ...%s...", he.Error(), p)
				}
			}
		})
	}
	// An endpoint host takes no IP address: the decimal address is named, and refused in turn.
	_, err := ParseHost("010.0.0.5")
	var he *HostError
	if !errors.As(err, &he) || he.Rule != HostRuleNumericTLD || he.Suggestion != "" {
		t.Fatalf("ParseHost: %v", err)
	}
	for _, p := range []string{`"010" has a leading zero`, `and "10.0.0.5", the value with that fixed, is not valid either: it is an IP address`,
		`give its fully qualified domain name, such as "zenml.ml.example.com"`} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("ParseHost: %q\nwant ...%s...", err, p)
		}
	}
	var pe *PrivateDomainError
	if err := ParsePrivateDomain("010.0.0.5"); !errors.As(err, &pe) || pe.Rule != HostRuleNumericTLD {
		t.Errorf("ParsePrivateDomain: %v", err)
	}
}
