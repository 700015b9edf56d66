package checks

import (
	"errors"
	"strconv"
	"strings"
	"testing"
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
		{"simple DNS prefix", "zenml.cluster", HostRuleUnknownSuffix, "", []string{`"cluster"`, "Public Suffix List"}},
		{"unlisted TLD", "zenml.corp.internal", HostRuleUnknownSuffix, "", nil},
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
		"\xff.example.com", "..", ".", "*.*.com", "a@b@c.com",
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
