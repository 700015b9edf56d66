// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const (
	roleA = "arn:aws:iam::123456789012:role/puller"
	roleB = "arn:aws:iam::123456789012:role/pusher"
)

func mustParse(t *testing.T, text string) *PolicyDocument {
	t.Helper()
	p, err := ParsePolicyDocument(text)
	if err != nil {
		t.Fatalf("ParsePolicyDocument(%s): %v", text, err)
	}
	return p
}

func TestStatementID(t *testing.T) {
	pullA := StatementID(roleA, AccessPull)
	if pullA != StatementID(roleA, AccessPull) {
		t.Fatal("StatementID is not stable")
	}
	if !strings.HasPrefix(pullA, "ZenMLProPull") || len(pullA) != len("ZenMLProPull")+16 {
		t.Fatalf("StatementID(roleA, pull) = %q", pullA)
	}
	if pushA := StatementID(roleA, AccessPush); !strings.HasPrefix(pushA, "ZenMLProPush") || pushA[12:] != pullA[12:] {
		t.Fatalf("StatementID(roleA, push) = %q, want the same hash as %q", pushA, pullA)
	}
	ids := map[string]bool{}
	for _, arn := range []string{roleA, roleB, "arn:aws:iam::123456789012:role/Puller", "arn:aws-cn:iam::123456789012:role/puller"} {
		for _, a := range Accesses {
			id := StatementID(arn, a)
			if !ValidStatementID(id) {
				t.Errorf("StatementID(%q, %s) = %q is not alphanumeric", arn, a, id)
			}
			if ids[id] {
				t.Errorf("StatementID(%q, %s) = %q collides", arn, a, id)
			}
			ids[id] = true
		}
	}
	// A known value guards against an accidental change of the derivation, which would orphan
	// every statement already written.
	if got, want := StatementID(roleA, AccessPull), "ZenMLProPull"+sha16(roleA); got != want {
		t.Fatalf("StatementID = %q, want %q", got, want)
	}
	for _, bad := range []string{"", "Zen-ML", "Zen ML", "ZenML_Pro"} {
		if ValidStatementID(bad) {
			t.Errorf("ValidStatementID(%q) = true", bad)
		}
	}
}

func TestActions(t *testing.T) {
	pull := []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
	if got := Actions(AccessPull); !slices.Equal(got, pull) {
		t.Fatalf("pull actions = %v", got)
	}
	push := Actions(AccessPush)
	if len(push) != 7 {
		t.Fatalf("push actions = %v", push)
	}
	for _, a := range append(pull, "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload") {
		if !slices.Contains(push, a) {
			t.Errorf("push actions lack %s", a)
		}
	}
	Actions(AccessPull)[0] = "changed"
	if Actions(AccessPull)[0] != pull[0] {
		t.Fatal("Actions returns a shared slice")
	}
}

func TestParsePolicyDocument(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{
			name: "statement as object, principal and action as strings: written back as read, in an array",
			in:   `{"Version":"2008-10-17","Statement":{"Sid":"a","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:BatchGetImage"}}`,
			want: `{"Version":"2008-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:BatchGetImage"}]}`,
		},
		{
			name: "arrays, service principal, condition verbatim, unknown fields kept byte for byte",
			in: `{"Version":"2012-10-17","Id":"x","Custom":{"b":1, "a":2},"Statement":[{"Sid":"s","Effect":"Allow",
				"Principal":{"AWS":["` + roleB + `","` + roleA + `"],"Service":"lambda.amazonaws.com"},
				"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],
				"Condition":{"StringLike":{"aws:sourceArn": "arn:aws:lambda:*"}},"Future":[1,2]}]}`,
			want: `{"Version":"2012-10-17","Id":"x","Custom":{"b":1, "a":2},"Statement":[{"Sid":"s","Effect":"Allow",
				"Principal":{"AWS":["` + roleB + `","` + roleA + `"],"Service":"lambda.amazonaws.com"},
				"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],
				"Condition":{"StringLike":{"aws:sourceArn": "arn:aws:lambda:*"}},"Future":[1,2]}]}`,
		},
		{
			name: "wildcard principal and NotAction",
			in:   `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":["ecr:BatchGetImage"]}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":["ecr:BatchGetImage"]}]}`,
		},
		{
			name: "nulls are kept as read, empty statement list",
			in:   `{"Version":"2012-10-17","Statement":[{"Sid":null,"Effect":"Allow","Condition":null,"Action":[]}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":null,"Effect":"Allow","Condition":null,"Action":[]}]}`,
		},
		{name: "no statement", in: `{"Version":"2012-10-17"}`, want: `{"Version":"2012-10-17","Statement":[]}`},
		{name: "whitespace around members", in: " {\n \"Version\" : \"2012-10-17\" ,\n \"Statement\" : [ ] } \n", want: `{"Version":"2012-10-17","Statement":[]}`},
		{name: "text after the object", in: `{"Version":"2012-10-17"} {}`, wantErr: "not a JSON object"},
		{name: "not an object", in: `[]`, wantErr: "not a JSON object"},
		{name: "empty", in: ``, wantErr: "not a JSON object"},
		{name: "null", in: `null`, wantErr: "not a JSON object"},
		{name: "version not a string", in: `{"Version":1}`, wantErr: "Version: expected a string"},
		{name: "statement a string", in: `{"Statement":"x"}`, wantErr: "Statement: expected a statement object"},
		{name: "statement item a string", in: `{"Statement":["x"]}`, wantErr: "statement 0: a statement must be a JSON object"},
		{name: "principal other string", in: `{"Statement":[{"Principal":"me"}]}`, wantErr: `principal string "me"`},
		{name: "principal number", in: `{"Statement":[{"Principal":3}]}`, wantErr: `principal must be "*" or an object`},
		{name: "action number", in: `{"Statement":[{"Action":3}]}`, wantErr: "field Action: expected a string or an array"},
		{name: "action list of numbers", in: `{"Statement":[{"Action":[3]}]}`, wantErr: "field Action: expected a string or an array"},
		{name: "principal AWS number", in: `{"Statement":[{"Principal":{"AWS":3}}]}`, wantErr: "principal must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicyDocument(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.want {
				t.Fatalf("String() =\n%s\nwant\n%s", got, tt.want)
			}
			again := mustParse(t, p.String())
			if again.String() != tt.want || !Equivalent(p, again) {
				t.Fatalf("round trip changed the policy: %s", again.String())
			}
		})
	}
}

// TestWriteKeepsOtherStatementsByteForByte: adding and removing the grant's statement writes every
// other statement exactly as it was read (key order, a one-item Action list, "<&>" in values,
// duplicated keys, whitespace), keeps the other top-level members as they were, and escapes nothing.
func TestWriteKeepsOtherStatementsByteForByte(t *testing.T) {
	others := []string{
		`{"Effect":"Allow","Sid":"ZuerstEffect","Principal":{"AWS":"` + roleB + `"},"Action":["ecr:BatchGetImage"]}`,
		`{"Sid":"Tags","Effect":"Allow","Principal":{"AWS":["` + roleB + `"]},"Action":"ecr:DescribeImages",` +
			`"Condition":{"StringLike":{"aws:PrincipalTag/team":"<ml&ops>"}}}`,
		`{"Sid":"Dup","Sid":"Dup","Effect":"Deny","Principal":"*","Action":"ecr:DeleteRepository","Action":"ecr:PutImage"}`,
		"{ \"Sid\" : \"Spaced\",\n\t\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"" + roleB + "\"}, \"Action\": [ \"ecr:ListImages\" ] }",
	}
	in := `{"Id":"mirror-policy","Version":"2012-10-17","Note":{"z":1,"a":"<&>"},"Statement":[` + strings.Join(others, ",") + `]}`
	p := mustParse(t, in)
	up := Upsert(p, NewStatement(roleA, AccessPull))
	text := up.String()
	for _, o := range others {
		if !strings.Contains(text, o) {
			t.Errorf("after Upsert the policy lost the bytes of\n%s\nin\n%s", o, text)
		}
	}
	if !strings.HasPrefix(text, `{"Id":"mirror-policy","Version":"2012-10-17","Note":{"z":1,"a":"<&>"},"Statement":[`) {
		t.Errorf("the top-level members were rewritten: %s", text)
	}
	if strings.Contains(text, `\u003c`) || strings.Contains(text, `\u0026`) {
		t.Errorf("the policy was written with HTML escapes: %s", text)
	}
	if CheckStatement(mustParse(t, text), roleA, AccessPull) != StatementCurrent {
		t.Errorf("the grant's statement is not current in %s", text)
	}
	back, _ := Remove(up, StatementID(roleA, AccessPull))
	if back.String() != in {
		t.Errorf("Upsert then Remove =\n%s\nwant the input\n%s", back, in)
	}
	// The grant's own statement is written from its fields, in a fixed order, unescaped.
	own := NewStatement(roleA, AccessPull)
	b, err := own.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Sid":"` + own.Sid + `","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":["ecr:BatchCheckLayerAvailability",` +
		`"ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`; string(b) != want {
		t.Errorf("own statement = %s, want %s", b, want)
	}
	// A statement read from a policy and changed is written from its fields by Upsert.
	changed, _ := Find(mustParse(t, `{"Statement":[`+string(b)+`]}`), own.Sid)
	changed.Effect = "Deny"
	if s, _ := Find(mustParse(t, Upsert(p, changed).String()), own.Sid); s.Effect != "Deny" {
		t.Errorf("Upsert of a changed statement wrote its old bytes: %s", Upsert(p, changed))
	}
}

func TestEquivalent(t *testing.T) {
	base := `{"Version":"2012-10-17","Statement":[
		{"Sid":"a","Effect":"Allow","Principal":{"AWS":["` + roleA + `","` + roleB + `"]},"Action":["ecr:BatchGetImage","ecr:PutImage"],
		 "Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}}},
		{"Sid":"b","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:BatchGetImage"}]}`
	tests := []struct {
		name  string
		other string
		equal bool
	}{
		{"same", base, true},
		{"statements, principals, actions, condition values reordered; string vs one-element array; action case", `{"Version":"2012-10-17","Statement":[
			{"Sid":"b","Effect":"Allow","Principal":{"AWS":["` + roleA + `"]},"Action":["ECR:BatchGetImage"]},
			{"Action":["ecr:PutImage","ecr:BatchGetImage"],"Sid":"a","Effect":"Allow","Principal":{"AWS":["` + roleB + `","` + roleA + `"]},
			 "Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-2","o-1"]}}}]}`, true},
		{"statement object vs one-element array", "", true},
		{"a principal fewer", `{"Version":"2012-10-17","Statement":[
			{"Sid":"a","Effect":"Allow","Principal":{"AWS":["` + roleA + `"]},"Action":["ecr:BatchGetImage","ecr:PutImage"],
			 "Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}}},
			{"Sid":"b","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:BatchGetImage"}]}`, false},
		{"a condition value changed", `{"Version":"2012-10-17","Statement":[
			{"Sid":"a","Effect":"Allow","Principal":{"AWS":["` + roleA + `","` + roleB + `"]},"Action":["ecr:BatchGetImage","ecr:PutImage"],
			 "Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-1","o-3"]}}},
			{"Sid":"b","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:BatchGetImage"}]}`, false},
		{"version differs", strings.Replace(base, "2012-10-17", "2008-10-17", 1), false},
		{"a statement missing", `{"Version":"2012-10-17","Statement":[
			{"Sid":"b","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:BatchGetImage"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustParse(t, base), (*PolicyDocument)(nil)
			if tt.other == "" {
				one := `{"Version":"2012-10-17","Statement":{"Sid":"b","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:BatchGetImage"}}`
				a = mustParse(t, one)
				b = mustParse(t, strings.Replace(strings.Replace(one, `"Statement":{`, `"Statement":[{`, 1), "}}", "}]}", 1))
			} else {
				b = mustParse(t, tt.other)
			}
			if got := Equivalent(a, b); got != tt.equal {
				t.Fatalf("Equivalent = %v, want %v\n%s\n%s", got, tt.equal, a, b)
			}
		})
	}
}

const foreign = `{"Sid":"CIPull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:BatchGetImage"]}`

func ourStatementJSON(t *testing.T, arn string, a Access) string {
	t.Helper()
	b, err := json.Marshal(NewStatement(arn, a))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUpsertRemove(t *testing.T) {
	ours := ourStatementJSON(t, roleA, AccessPull)
	sid := StatementID(roleA, AccessPull)
	tests := []struct {
		name      string
		in        string
		wantAfter string // after Upsert
		wantRm    string // after Remove
		wantEmpty bool
	}{
		{
			name:      "empty policy",
			in:        `{"Version":"2012-10-17","Statement":[]}`,
			wantAfter: `{"Version":"2012-10-17","Statement":[` + ours + `]}`,
			wantRm:    `{"Version":"2012-10-17","Statement":[]}`,
			wantEmpty: true,
		},
		{
			name:      "one foreign statement as an object: kept",
			in:        `{"Version":"2008-10-17","Statement":` + foreign + `}`,
			wantAfter: `{"Version":"2008-10-17","Statement":[` + foreign + `,` + ours + `]}`,
			wantRm:    `{"Version":"2008-10-17","Statement":[` + foreign + `]}`,
		},
		{
			name:      "our Sid with a changed principal is replaced, the foreign statement kept",
			in:        `{"Version":"2012-10-17","Statement":[` + foreign + `,{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEUNIQUEID1"},"Action":"ecr:BatchGetImage"}]}`,
			wantAfter: `{"Version":"2012-10-17","Statement":[` + foreign + `,` + ours + `]}`,
			wantRm:    `{"Version":"2012-10-17","Statement":[` + foreign + `]}`,
		},
		{
			name:      "duplicate Sids collapse",
			in:        `{"Version":"2012-10-17","Statement":[` + ours + `,` + foreign + `,` + ours + `]}`,
			wantAfter: `{"Version":"2012-10-17","Statement":[` + ours + `,` + foreign + `]}`,
			wantRm:    `{"Version":"2012-10-17","Statement":[` + foreign + `]}`,
		},
		{
			name:      "the other access level of the same principal is another statement",
			in:        `{"Version":"2012-10-17","Statement":[` + ourStatementJSON(t, roleA, AccessPush) + `]}`,
			wantAfter: `{"Version":"2012-10-17","Statement":[` + ourStatementJSON(t, roleA, AccessPush) + `,` + ours + `]}`,
			wantRm:    `{"Version":"2012-10-17","Statement":[` + ourStatementJSON(t, roleA, AccessPush) + `]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustParse(t, tt.in)
			before := in.String()
			up := Upsert(in, NewStatement(roleA, AccessPull))
			if up.String() != mustParse(t, tt.wantAfter).String() {
				t.Fatalf("Upsert =\n%s\nwant\n%s", up, mustParse(t, tt.wantAfter))
			}
			if CheckStatement(up, roleA, AccessPull) != StatementCurrent {
				t.Fatalf("after Upsert the statement is %v", CheckStatement(up, roleA, AccessPull))
			}
			rm, empty := Remove(up, sid)
			if rm.String() != mustParse(t, tt.wantRm).String() || empty != tt.wantEmpty {
				t.Fatalf("Remove = %s, %v; want %s, %v", rm, empty, tt.wantRm, tt.wantEmpty)
			}
			if _, ok := Find(rm, sid); ok {
				t.Fatal("Find after Remove found the statement")
			}
			if in.String() != before {
				t.Fatal("Upsert modified its input")
			}
		})
	}
}

func TestRemoveAbsentAndNil(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":`+foreign+`}`)
	out, empty := Remove(p, StatementID(roleA, AccessPull))
	if empty || !Equivalent(out, p) {
		t.Fatalf("Remove of an absent Sid = %s, %v", out, empty)
	}
	out, empty = Remove(&PolicyDocument{}, "x")
	if !empty || out.String() != `{"Statement":[]}` {
		t.Fatalf("Remove on a zero policy = %s, %v", out, empty)
	}
	if got := Upsert(&PolicyDocument{Version: "2008-10-17"}, NewStatement(roleA, AccessPull)); got.Version != "2008-10-17" {
		t.Fatalf("Upsert changed the version to %q", got.Version)
	}
	if NewPolicyDocument().String() != `{"Version":"2012-10-17","Statement":[]}` {
		t.Fatalf("NewPolicyDocument = %s", NewPolicyDocument())
	}
}

func TestCheckStatement(t *testing.T) {
	sid := StatementID(roleA, AccessPull)
	stmt := func(body string) string {
		return `{"Version":"2012-10-17","Statement":[` + foreign + `,{"Sid":"` + sid + `",` + body + `}]}`
	}
	tests := []struct {
		name   string
		policy string
		access Access
		want   StatementState
	}{
		{"absent", `{"Version":"2012-10-17","Statement":[` + foreign + `]}`, AccessPull, StatementAbsent},
		{"current, actions reordered, principal as array, action case", stmt(`"Effect":"Allow","Principal":{"AWS":["` + roleA + `"]},"Action":["ECR:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]`), AccessPull, StatementCurrent},
		{"role replaced by its unique ID", stmt(`"Effect":"Allow","Principal":{"AWS":"AROA4EXAMPLEXYZ12345"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]`), AccessPull, StatementPrincipalReplaced},
		{"changed principal", stmt(`"Effect":"Allow","Principal":{"AWS":"` + roleB + `"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]`), AccessPull, StatementChanged},
		{"extra principal", stmt(`"Effect":"Allow","Principal":{"AWS":["` + roleA + `","` + roleB + `"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]`), AccessPull, StatementChanged},
		{"wildcard principal", stmt(`"Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]`), AccessPull, StatementChanged},
		{"an action missing", stmt(`"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":["ecr:BatchGetImage"]`), AccessPull, StatementChanged},
		{"deny", stmt(`"Effect":"Deny","Principal":{"AWS":"` + roleA + `"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]`), AccessPull, StatementChanged},
		{"condition added", stmt(`"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}`), AccessPull, StatementChanged},
		{"NotAction", stmt(`"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"NotAction":"ecr:DeleteRepository"`), AccessPull, StatementChanged},
		{"pull statement checked as push is another Sid", stmt(`"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]`), AccessPush, StatementAbsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckStatement(mustParse(t, tt.policy), roleA, tt.access); got != tt.want {
				t.Fatalf("CheckStatement = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsUniqueID(t *testing.T) {
	for v, want := range map[string]bool{
		"AROA4EXAMPLEXYZ12345":  true,
		"AIDAJQABLZS4A3QDU576Q": true,
		roleA:                   false,
		"123456789012":          false,
		"AROA":                  false,
		"aroa4examplexyz12345":  false,
		"*":                     false,
	} {
		if IsUniqueID(v) != want {
			t.Errorf("IsUniqueID(%q) = %v, want %v", v, !want, want)
		}
	}
}

func TestPreexisting(t *testing.T) {
	allActions := `["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]`
	pol := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	tests := []struct {
		name   string
		policy string
		access Access
		want   bool
	}{
		{"none", pol(foreign), AccessPull, false},
		{"a foreign statement grants the pull actions", pol(`{"Sid":"Mirror","Effect":"Allow","Principal":{"AWS":["` + roleB + `","` + roleA + `"]},"Action":` + allActions + `}`), AccessPull, true},
		{"principal as a string, ecr:* wildcard", pol(`{"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:*"}`), AccessPush, true},
		{"pattern wildcards", pol(`{"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":["ecr:Batch*","ecr:GetDownloadUrlFor?????"]}`), AccessPull, true},
		{"two statements together", pol(`{"Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":"ecr:BatchGetImage"}`, `{"Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}`), AccessPull, true},
		{"pull only is not push", pol(`{"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":` + allActions + `}`), AccessPush, false},
		{"our own statement does not count", pol(ourStatementJSON(t, roleA, AccessPull)), AccessPull, false},
		{"our push statement does not count for pull: access a grant of this provider wrote is never pre-existing", pol(ourStatementJSON(t, roleA, AccessPush)), AccessPull, false},
		{"our push statement beside a foreign one that gives pull", pol(ourStatementJSON(t, roleA, AccessPush), `{"Sid":"Mirror","Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":"ecr:*"}`), AccessPull, true},
		{"our pull statement does not count for push", pol(ourStatementJSON(t, roleA, AccessPull), `{"Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":["ecr:PutImage","ecr:InitiateLayerUpload","ecr:UploadLayerPart","ecr:CompleteLayerUpload"]}`), AccessPush, false},
		{"NotAction never counts", pol(`{"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"NotAction":"ecr:DeleteRepository"}`), AccessPull, false},
		{"Condition never counts", pol(`{"Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":` + allActions + `,"Condition":{"Bool":{"aws:SecureTransport":"true"}}}`), AccessPull, false},
		{"NotPrincipal never counts", pol(`{"Effect":"Allow","NotPrincipal":{"AWS":"` + roleB + `"},"Principal":{"AWS":"` + roleA + `"},"Action":` + allActions + `}`), AccessPull, false},
		{"wildcard principal does not count", pol(`{"Effect":"Allow","Principal":"*","Action":` + allActions + `}`), AccessPull, false},
		{"another principal", pol(`{"Effect":"Allow","Principal":{"AWS":"` + roleB + `"},"Action":` + allActions + `}`), AccessPull, false},
		{"a deny for everyone wins", pol(`{"Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":`+allActions+`}`, `{"Effect":"Deny","Principal":"*","Action":"ecr:BatchGetImage"}`), AccessPull, false},
		{"a deny for the principal wins", pol(`{"Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":`+allActions+`}`, `{"Effect":"Deny","Principal":{"AWS":"`+roleA+`"},"Action":"ecr:Get*"}`), AccessPull, false},
		{"a deny for someone else does not matter", pol(`{"Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":`+allActions+`}`, `{"Effect":"Deny","Principal":{"AWS":"`+roleB+`"},"Action":"ecr:*"}`), AccessPull, true},
		{"another grant's statement", pol(ourStatementJSON(t, roleB, AccessPush)), AccessPull, false},
		{"the account root of the role does not count", pol(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + strings.Split(roleA, ":")[4] + `:root"},"Action":` + allActions + `}`), AccessPull, false},
		{"service principal", pol(`{"Effect":"Allow","Principal":{"Service":"` + roleA + `"},"Action":` + allActions + `}`), AccessPull, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Preexisting(mustParse(t, tt.policy), roleA, tt.access); got != tt.want {
				t.Fatalf("Preexisting = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStatementDifferences(t *testing.T) {
	sid := StatementID(roleA, AccessPull)
	ours := NewStatement(roleA, AccessPull)
	actions := compactJSON(ours.Action)
	tests := []struct {
		name string
		stmt string
		want []string
	}{
		{"exactly the grant's", ourStatementJSON(t, roleA, AccessPull), nil},
		{"same meaning, other spelling", `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":["` + roleA + `"]},` +
			`"Action":["ECR:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability","ecr:BatchGetImage"]}`, nil},
		{"a Deny of everything", `{"Sid":"` + sid + `","Effect":"Deny","Principal":{"AWS":"` + roleA + `"},"Action":"ecr:*"}`,
			[]string{`Effect is "Deny", the grant writes "Allow"`, `Action is "ecr:*", the grant writes ` + actions}},
		{"an Allow with a condition", `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":"` + roleA + `"},"Action":` + actions +
			`,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`, []string{"it has a Condition, which the grant does not write"}},
		{"another principal", `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":"` + roleB + `"},"Action":` + actions + `}`,
			[]string{`Principal is {"AWS":"` + roleB + `"}, the grant writes {"AWS": "` + roleA + `"}`}},
		{"a second principal", `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":["` + roleA + `","` + roleB + `"]},"Action":` + actions + `}`,
			[]string{`Principal is {"AWS":["` + roleA + `","` + roleB + `"]}, the grant writes {"AWS": "` + roleA + `"}`}},
		{"everyone", `{"Sid":"` + sid + `","Effect":"Allow","Principal":"*","Action":` + actions + `}`,
			[]string{`Principal is "*", the grant writes {"AWS": "` + roleA + `"}`}},
		{"a deleted role's unique ID", `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEUNIQUEID1"},"Action":` + actions + `}`,
			[]string{`Principal names AROAEXAMPLEUNIQUEID1, the unique ID of a deleted IAM principal, where the grant writes "` + roleA +
				`" (the role was deleted, and one created again under the same name has no access through it)`}},
		{"no principal, a resource and an unknown field", `{"Sid":"` + sid + `","Effect":"Allow","Action":` + actions + `,"Resource":"*","Zeta":1,"Alpha":2}`,
			[]string{`it has no Principal, the grant writes {"AWS": "` + roleA + `"}`, "it has a Resource, which the grant does not write",
				"it has Alpha, Zeta, which the grant does not write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := Find(mustParse(t, `{"Statement":[`+tt.stmt+`]}`), sid)
			if !ok {
				t.Fatal("statement not found")
			}
			got := StatementDifferences(s, roleA, AccessPull)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("StatementDifferences =\n%q\nwant\n%q", got, tt.want)
			}
			wantState := StatementCurrent
			switch {
			case strings.Contains(tt.name, "unique ID"):
				wantState = StatementPrincipalReplaced
			case tt.want != nil:
				wantState = StatementChanged
			}
			if st := CheckStatement(mustParse(t, `{"Statement":[`+tt.stmt+`]}`), roleA, AccessPull); st != wantState {
				t.Fatalf("CheckStatement = %v, want %v", st, wantState)
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "ecr:x", true}, {"ecr:*", "ecr:putimage", true}, {"ecr:*", "s3:x", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"*image", "ecr:putimage", true}, {"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false}, {"", "", true}, {"", "a", false}, {"**", "a", true},
	} {
		if got := globMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

// TestUpsertRemoveProperty checks, over many generated policies, that Upsert followed by Remove of
// the grant's statement gives back a policy semantically equal to the input.
func TestUpsertRemoveProperty(t *testing.T) {
	principals := []string{roleB, "arn:aws:iam::111122223333:root", "AROA4EXAMPLEXYZ12345"}
	actions := []string{"ecr:BatchGetImage", "ecr:*", "ecr:PutImage", "ecr:DescribeImages"}
	seed := uint64(1)
	next := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	for i := 0; i < 500; i++ {
		p := NewPolicyDocument()
		for j := next(5); j > 0; j-- {
			s := Statement{Sid: []string{"", "A", "Mirror", "CI"}[next(4)], Effect: []string{"Allow", "Deny"}[next(2)]}
			var ps Values
			for k := next(3) + 1; k > 0; k-- {
				ps = append(ps, principals[next(len(principals))])
			}
			s.Principal = &Principal{Types: map[string]Values{"AWS": ps}}
			if next(4) == 0 {
				s.Principal = &Principal{Wildcard: true}
			}
			for k := next(3) + 1; k > 0; k-- {
				s.Action = append(s.Action, actions[next(len(actions))])
			}
			if next(3) == 0 {
				s.Condition = json.RawMessage(`{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}`)
			}
			p.Statements = append(p.Statements, s)
		}
		p = mustParse(t, p.String())
		access := Accesses[next(2)]
		up := Upsert(p, NewStatement(roleA, access))
		if len(up.Statements) != len(p.Statements)+1 {
			t.Fatalf("Upsert did not add exactly one statement to %s", p)
		}
		back, empty := Remove(up, StatementID(roleA, access))
		if !Equivalent(back, p) || empty != (len(p.Statements) == 0) {
			t.Fatalf("Upsert then Remove changed\n%s\ninto\n%s (empty %v)", p, back, empty)
		}
		// Reparsing the canonical text never changes the meaning, and shuffling statements never
		// changes equivalence.
		shuffled := up.Clone()
		slices.Reverse(shuffled.Statements)
		if !Equivalent(up, mustParse(t, up.String())) || !Equivalent(up, shuffled) {
			t.Fatalf("canonical text or order changed the meaning of %s", up)
		}
	}
}

func TestStatementStateString(t *testing.T) {
	for s, want := range map[StatementState]string{StatementAbsent: "absent", StatementCurrent: "current",
		StatementPrincipalReplaced: "principal replaced by a unique ID", StatementChanged: "changed", StatementState(9): "StatementState(9)"} {
		if s.String() != want {
			t.Errorf("String() = %q, want %q", s.String(), want)
		}
	}
}
