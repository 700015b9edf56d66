package registryaccess

import "testing"

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
		up := Upsert(p, NewStatement("arn:aws:iam::123456789012:role/r", AccessPull))
		if CheckStatement(up, "arn:aws:iam::123456789012:role/r", AccessPull) != StatementCurrent {
			t.Fatalf("after Upsert the statement is not current: %s", up)
		}
		_, _ = Remove(up, StatementID("arn:aws:iam::123456789012:role/r", AccessPull))
		_ = Preexisting(p, "arn:aws:iam::123456789012:role/r", AccessPush)
	})
}
