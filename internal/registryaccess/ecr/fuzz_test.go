// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"testing"
)

// FuzzParsePolicyDocument checks that the parser never panics and that parse, write, parse is
// stable: the canonical text of a parsed policy parses to the same canonical text and meaning.
func FuzzParsePolicyDocument(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"2012-10-17","Statement":[]}`,
		`{"Version":"2008-10-17","Statement":{"Sid":"a","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/r"},"Action":"ecr:BatchGetImage"}}`,
		`{"Version":"2012-10-17","Id":"x","X":{"b":[1,2]},"Statement":[{"Sid":"s","Effect":"Deny","Principal":"*","NotAction":["ecr:*"],"Condition":{"StringLike":{"aws:sourceArn":["a","b"]}},"Y":null}]}`,
		`{"Statement":[{"Principal":{"AWS":["AROA4EXAMPLEXYZ12345","arn:aws:iam::1:root"],"Service":"s"},"Resource":"*","NotResource":[],"NotPrincipal":{}}]}`,
		`{"Statement":null,"Version":null}`,
		`{"Statement":[{"Action":"\u003c\u0026\ud800"}]}`,
		`[]`, `"x"`, `{`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePolicyDocument(text)
		if err != nil {
			return
		}
		first := p.String()
		again, err := ParsePolicyDocument(first)
		if err != nil {
			t.Fatalf("canonical text %s does not parse: %v", first, err)
		}
		if second := again.String(); second != first {
			t.Fatalf("parse/write is not stable:\n%s\n%s", first, second)
		}
		if !Equivalent(p, again) {
			t.Fatalf("reparsed policy is not equivalent: %s", first)
		}
		const arn = "arn:aws:iam::123456789012:role/r"
		sid := StatementID(arn, AccessPull)
		_, had := Find(p, sid)
		up := Upsert(p, NewStatement(arn, AccessPull))
		if CheckStatement(up, arn, AccessPull) != StatementCurrent {
			t.Fatalf("after Upsert the statement is not current: %s", up)
		}
		back, empty := Remove(up, sid)
		if _, ok := Find(back, sid); ok {
			t.Fatalf("Remove left the statement: %s", back)
		}
		if !had && (!Equivalent(back, p) || empty != (len(p.Statements) == 0)) {
			t.Fatalf("Upsert then Remove changed\n%s\ninto\n%s", p, back)
		}
		_ = Preexisting(p, arn, AccessPush)
	})
}

// FuzzStatementID checks that every principal gets a Sid ECR accepts, distinct per access level.
func FuzzStatementID(f *testing.F) {
	f.Add("arn:aws:iam::123456789012:role/puller")
	f.Add("")
	f.Add("\xff\x00 é")
	f.Fuzz(func(t *testing.T, arn string) {
		pull, push := StatementID(arn, AccessPull), StatementID(arn, AccessPush)
		if !ValidStatementID(pull) || !ValidStatementID(push) || pull == push || len(pull) != 28 {
			t.Fatalf("StatementID(%q) = %q, %q", arn, pull, push)
		}
	})
}
