// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuoteMySQLIdentifier(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"zenml_workspace_1", "`zenml_workspace_1`"},
		{"zenml_pro", "`zenml_pro`"},
		{"a`b", "`a``b`"},
		{"x`; DROP DATABASE mysql; -- ", "`x``; DROP DATABASE mysql; -- `"},
		{"``", "``````"},
		{`back\slash`, "`back\\slash`"},
		{"it's", "`it's`"},
		{`dq"`, "`dq\"`"},
		{"ümlaut", "`ümlaut`"},
	}
	for _, tt := range tests {
		got, err := QuoteMySQLIdentifier(tt.in)
		if err != nil {
			t.Fatalf("QuoteMySQLIdentifier(%q): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("QuoteMySQLIdentifier(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestQuotePostgresIdentifier(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"zenml_pro", `"zenml_pro"`},
		{`a"b`, `"a""b"`},
		{`x"; DROP DATABASE postgres; --`, `"x""; DROP DATABASE postgres; --"`},
		{`""`, `""""""`},
		{`back\slash`, `"back\slash"`},
		{"it's", `"it's"`},
		{"Upper", `"Upper"`},
		{strings.Repeat("a", 63), `"` + strings.Repeat("a", 63) + `"`},
	}
	for _, tt := range tests {
		got, err := QuotePostgresIdentifier(tt.in)
		if err != nil {
			t.Fatalf("QuotePostgresIdentifier(%q): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("QuotePostgresIdentifier(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestQuotePostgresString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"UTF8", `'UTF8'`},
		{"it's", `'it''s'`},
		{`a\b`, `E'a\\b'`},
		{`x\'; DROP ROLE postgres; --`, `E'x\\''; DROP ROLE postgres; --'`},
		{"SCRAM-SHA-256$4096:c2FsdA==$a+b/c=:d+e/f=", `'SCRAM-SHA-256$4096:c2FsdA==$a+b/c=:d+e/f='`},
	}
	for _, tt := range tests {
		got, err := QuotePostgresString(tt.in)
		if err != nil {
			t.Fatalf("QuotePostgresString(%q): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("QuotePostgresString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestQuoteRefuses(t *testing.T) {
	bad := map[string]string{
		"":                        "empty",
		"a\x00b":                  "NUL",
		string([]byte{0xff, 'a'}): "UTF-8",
	}
	for in, want := range bad {
		for name, quote := range map[string]func(string) (string, error){
			"mysql": QuoteMySQLIdentifier, "postgres": QuotePostgresIdentifier, "postgres string": QuotePostgresString,
		} {
			_, err := quote(in)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s quote of %q: error %v, want one mentioning %q", name, in, err, want)
			}
		}
	}
	if _, err := QuotePostgresIdentifier(strings.Repeat("a", 64)); err == nil || !strings.Contains(err.Error(), "63") {
		t.Errorf("a 64-byte PostgreSQL identifier: error %v, want one naming the 63-byte limit", err)
	}
}

func TestQuoteMySQLAccount(t *testing.T) {
	tests := []struct {
		u    User
		want string
	}{
		{User{Name: "zenml_ws1"}, "`zenml_ws1`@`%`"},
		{User{Name: "zenml_ws1", Host: "10.0.%"}, "`zenml_ws1`@`10.0.%`"},
		{User{Name: "a`b", Host: "h`"}, "`a``b`@`h```"},
		{User{Name: "x'@'%' IDENTIFIED BY 'p", Host: "%"}, "`x'@'%' IDENTIFIED BY 'p`@`%`"},
	}
	for _, tt := range tests {
		got, err := QuoteMySQLAccount(tt.u)
		if err != nil {
			t.Fatalf("QuoteMySQLAccount(%+v): %v", tt.u, err)
		}
		if got != tt.want {
			t.Errorf("QuoteMySQLAccount(%+v) = %s, want %s", tt.u, got, tt.want)
		}
	}
	if _, err := QuoteMySQLAccount(User{Name: ""}); err == nil || !strings.Contains(err.Error(), "user name") {
		t.Errorf("empty user name: error %v, want one naming the user name", err)
	}
}

func TestQuoteMySQLGrantDatabase(t *testing.T) {
	tests := []struct {
		name    string
		literal bool
		want    string
	}{
		{"zenml_workspace_1", false, "`zenml\\_workspace\\_1`"},
		{"zenml_workspace_1", true, "`zenml_workspace_1`"},
		{"a%b", false, "`a\\%b`"},
		{`a\b`, false, "`a\\\\b`"},
		{"plain", false, "`plain`"},
	}
	for _, tt := range tests {
		got, err := QuoteMySQLGrantDatabase(tt.name, tt.literal)
		if err != nil {
			t.Fatalf("QuoteMySQLGrantDatabase(%q, %v): %v", tt.name, tt.literal, err)
		}
		if got != tt.want {
			t.Errorf("QuoteMySQLGrantDatabase(%q, %v) = %s, want %s", tt.name, tt.literal, got, tt.want)
		}
	}
}

// unquoteDelimited reads a token quoted with delim (the delimiter doubled inside) that must span the
// whole of s, as the server's lexer would; ok is false when the token ends early or never ends.
func unquoteDelimited(s string, delim byte) (string, bool) {
	if len(s) < 2 || s[0] != delim {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != delim {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == delim {
			b.WriteByte(delim)
			i++
			continue
		}
		return b.String(), i == len(s)-1
	}
	return "", false
}

// unquotePostgresString reads a PostgreSQL string literal spanning all of s: '...' with doubled quotes
// (standard_conforming_strings on) or E'...' with backslash escapes.
func unquotePostgresString(s string) (string, bool) {
	if !strings.HasPrefix(s, "E'") {
		return unquoteDelimited(s, '\'')
	}
	var b strings.Builder
	for i := 2; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return "", false
			}
			b.WriteByte(s[i+1])
			i++
		case '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i == len(s)-1
		default:
			b.WriteByte(s[i])
		}
	}
	return "", false
}

var quoteSeeds = []string{
	"zenml_pro", "a`b", `a"b`, "a'b", `a\b`, "x`; DROP DATABASE mysql; --", `x"; DROP ROLE postgres; --`,
	`\'; DROP TABLE t; --`, "``", `""`, "''", `\\`, "ü", "%_",
}

func FuzzQuoteMySQLIdentifier(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := QuoteMySQLIdentifier(s)
		if err != nil {
			if s != "" && !strings.ContainsRune(s, 0) && utf8.ValidString(s) {
				t.Fatalf("QuoteMySQLIdentifier(%q) refused a valid name: %v", s, err)
			}
			return
		}
		got, ok := unquoteDelimited(q, '`')
		if !ok || got != s {
			t.Fatalf("QuoteMySQLIdentifier(%q) = %s, which reads back as %q (whole token: %v)", s, q, got, ok)
		}
	})
}

func FuzzQuotePostgresIdentifier(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := QuotePostgresIdentifier(s)
		if err != nil {
			if s != "" && !strings.ContainsRune(s, 0) && utf8.ValidString(s) && len(s) <= 63 {
				t.Fatalf("QuotePostgresIdentifier(%q) refused a valid name: %v", s, err)
			}
			return
		}
		got, ok := unquoteDelimited(q, '"')
		if !ok || got != s {
			t.Fatalf("QuotePostgresIdentifier(%q) = %s, which reads back as %q (whole token: %v)", s, q, got, ok)
		}
	})
}

func FuzzQuotePostgresString(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := QuotePostgresString(s)
		if err != nil {
			return
		}
		got, ok := unquotePostgresString(q)
		if !ok || got != s {
			t.Fatalf("QuotePostgresString(%q) = %s, which reads back as %q (whole token: %v)", s, q, got, ok)
		}
	})
}
