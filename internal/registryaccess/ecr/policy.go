// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package ecr grants access to Amazon ECR repositories: one statement of a repository policy per
// grant (policy.go, edited as raw JSON so that nothing else in the policy changes), the ECR calls
// behind a small interface (service.go), the classification of AWS errors (classify.go), the names and
// IDs of repositories and grants (names.go), and the lazily built AWS clients of the provider's aws
// settings (clients.go, checks.go).
package ecr

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
)

// Policy language and Sid settings of the statements a grant writes.
const (
	// DefaultPolicyVersion is the policy language version of a new policy.
	DefaultPolicyVersion = "2012-10-17"
	sidPrefix            = "ZenMLPro"
	sidHashLength        = 16
)

var (
	pullActions = []string{
		"ecr:BatchCheckLayerAvailability",
		"ecr:BatchGetImage",
		"ecr:GetDownloadUrlForLayer",
	}
	pushActions = append(append([]string(nil), pullActions...),
		"ecr:CompleteLayerUpload",
		"ecr:InitiateLayerUpload",
		"ecr:PutImage",
		"ecr:UploadLayerPart",
	)
)

// Actions returns the ECR actions an access level grants, sorted. The slice is a fresh copy.
func Actions(a registryaccess.Access) []string {
	switch a {
	case registryaccess.AccessPull:
		return append([]string(nil), pullActions...)
	case registryaccess.AccessPush:
		out := append([]string(nil), pushActions...)
		slices.Sort(out)
		return out
	}
	return nil
}

// Values is an IAM policy list that JSON writes either as one string or as an array of strings.
// A one-element list is written as a string, any other as an array.
type Values []string

// MarshalJSON writes one value as a string and any other number of values as an array.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// UnmarshalJSON accepts a string or an array of strings.
func (v *Values) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Values{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("expected a string or an array of strings")
	}
	if list == nil {
		list = []string{}
	}
	*v = list
	return nil
}

// set returns the values sorted without duplicates; fold lower-cases them first.
func (v Values) set(fold bool) []string {
	out := make([]string, 0, len(v))
	for _, s := range v {
		if fold {
			s = strings.ToLower(s)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Principal is the Principal (or NotPrincipal) element of a statement: either the wildcard "*" or an
// object mapping a principal type ("AWS", "Service", "Federated", "CanonicalUser") to values.
type Principal struct {
	Wildcard bool
	Types    map[string]Values
}

// MarshalJSON writes "*" for the wildcard and an object otherwise.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.Wildcard {
		return []byte(`"*"`), nil
	}
	if p.Types == nil {
		return []byte(`{}`), nil
	}
	return json.Marshal(p.Types)
}

// UnmarshalJSON accepts "*" or an object of string-or-array values.
func (p *Principal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "*" {
			return fmt.Errorf("principal string %q is not \"*\"", s)
		}
		*p = Principal{Wildcard: true}
		return nil
	}
	var m map[string]Values
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return errors.New(`principal must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:role/puller"}`)
	}
	*p = Principal{Types: m}
	return nil
}

func (p *Principal) clone() *Principal {
	if p == nil {
		return nil
	}
	c := &Principal{Wildcard: p.Wildcard}
	if p.Types != nil {
		c.Types = make(map[string]Values, len(p.Types))
		for k, v := range p.Types {
			c.Types[k] = slices.Clone(v)
		}
	}
	return c
}

// canonical is the order-free form of the principal used for semantic comparison.
func (p *Principal) canonical() any {
	if p == nil {
		return nil
	}
	if p.Wildcard {
		return "*"
	}
	m := make(map[string][]string, len(p.Types))
	for k, v := range p.Types {
		m[k] = v.set(false)
	}
	return m
}

// Statement is one statement of a repository policy. Fields this model does not know are kept in
// Extra for comparisons. A statement read from a policy is written back exactly as it was read (its
// bytes, key order, duplicated keys and all); only a statement built here (NewStatement) is written
// from its fields.
type Statement struct {
	Sid          string
	Effect       string
	Principal    *Principal
	NotPrincipal *Principal
	Action       Values
	NotAction    Values
	Resource     Values
	NotResource  Values
	// Condition is kept verbatim (compacted); nil when absent.
	Condition json.RawMessage
	Extra     map[string]json.RawMessage
	// raw is the statement's text as read, written back unchanged; nil for a statement built here.
	raw json.RawMessage
}

// PolicyDocument is an ECR repository policy. Statement may be written as an object or an array;
// it is read either way and always written as an array. Unknown top-level fields are kept in Extra.
//
// Version, ID and Extra describe the policy as read; edits go through Upsert and Remove, which
// change Statements only. A parsed policy is written back with its top-level members in their order
// and with their bytes (but the Statement array), and every statement it had as it was.
type PolicyDocument struct {
	Version    string
	ID         string
	Statements []Statement
	Extra      map[string]json.RawMessage
	// members are the top-level members as read, in order, each value byte for byte; nil for a
	// policy built here.
	members []member
}

// member is one top-level member of a policy as read.
type member struct {
	key   string
	value json.RawMessage
}

// NewPolicyDocument returns an empty policy with the current policy language version.
func NewPolicyDocument() *PolicyDocument {
	return &PolicyDocument{Version: DefaultPolicyVersion}
}

// ParsePolicyDocument reads a repository policy as ECR returns it.
func ParsePolicyDocument(text string) (*PolicyDocument, error) {
	members, err := objectMembers([]byte(text))
	if err != nil {
		return nil, errors.New("repository policy is not a JSON object")
	}
	p := &PolicyDocument{members: members}
	for _, m := range members {
		var err error
		switch m.key {
		case "Version":
			err = unmarshalString(m.value, &p.Version)
		case "Id":
			err = unmarshalString(m.value, &p.ID)
		case "Statement":
			p.Statements, err = parseStatements(m.value)
		default:
			p.Extra = putExtra(p.Extra, m.key, m.value)
		}
		if err != nil {
			return nil, fmt.Errorf("repository policy field %s: %w", m.key, err)
		}
	}
	return p, nil
}

// objectMembers splits a JSON object into its members, in order and with duplicated keys, each
// value as its exact bytes. It fails for anything but one JSON object.
func objectMembers(b []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	members := []member{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		members = append(members, member{key: key, value: value})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("text after the JSON object")
	}
	return members, nil
}

// arrayElements splits a JSON array into its elements, each as its exact bytes.
func arrayElements(b []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, errors.New("not a JSON array")
	}
	var out []json.RawMessage
	for dec.More() {
		var item json.RawMessage
		if err := dec.Decode(&item); err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		return nil, errors.New("not a JSON array")
	}
	return out, nil
}

func parseStatements(b json.RawMessage) ([]Statement, error) {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil, nil
	}
	if len(b) > 0 && b[0] == '{' {
		s, err := parseStatement(b)
		if err != nil {
			return nil, err
		}
		return []Statement{s}, nil
	}
	list, err := arrayElements(b)
	if err != nil {
		return nil, errors.New("expected a statement object or an array of statements")
	}
	out := make([]Statement, 0, len(list))
	for i, item := range list {
		s, err := parseStatement(item)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseStatement(b json.RawMessage) (Statement, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return Statement{}, errors.New("a statement must be a JSON object")
	}
	s := Statement{raw: slices.Clone(bytes.TrimSpace(b))}
	for k, v := range raw {
		if isNull(v) {
			continue
		}
		var err error
		switch k {
		case "Sid":
			err = unmarshalString(v, &s.Sid)
		case "Effect":
			err = unmarshalString(v, &s.Effect)
		case "Principal":
			s.Principal = &Principal{}
			err = json.Unmarshal(v, s.Principal)
		case "NotPrincipal":
			s.NotPrincipal = &Principal{}
			err = json.Unmarshal(v, s.NotPrincipal)
		case "Action":
			err = json.Unmarshal(v, &s.Action)
		case "NotAction":
			err = json.Unmarshal(v, &s.NotAction)
		case "Resource":
			err = json.Unmarshal(v, &s.Resource)
		case "NotResource":
			err = json.Unmarshal(v, &s.NotResource)
		case "Condition":
			s.Condition, err = compact(v)
		default:
			s.Extra = putExtra(s.Extra, k, v)
		}
		if err != nil {
			return Statement{}, fmt.Errorf("field %s: %w", k, err)
		}
	}
	return s, nil
}

func isNull(b json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

func unmarshalString(b json.RawMessage, dst *string) error {
	if err := json.Unmarshal(b, dst); err != nil {
		return errors.New("expected a string")
	}
	return nil
}

func compact(b json.RawMessage) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func putExtra(m map[string]json.RawMessage, k string, v json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	c, err := compact(v)
	if err != nil {
		c = slices.Clone(v)
	}
	m[k] = c
	return m
}

// MarshalJSON writes a statement read from a policy as it was read, and a statement built here with
// its keys in a fixed order (Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource,
// NotResource, Condition, then the others sorted).
func (s Statement) MarshalJSON() ([]byte, error) {
	if s.raw != nil {
		return slices.Clone(s.raw), nil
	}
	var w objectWriter
	w.string("Sid", s.Sid)
	w.string("Effect", s.Effect)
	if s.Principal != nil {
		w.value("Principal", s.Principal)
	}
	if s.NotPrincipal != nil {
		w.value("NotPrincipal", s.NotPrincipal)
	}
	w.values("Action", s.Action)
	w.values("NotAction", s.NotAction)
	w.values("Resource", s.Resource)
	w.values("NotResource", s.NotResource)
	if s.Condition != nil {
		w.raw("Condition", s.Condition)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Extra)) {
		w.raw(k, s.Extra[k])
	}
	return w.close()
}

// MarshalJSON writes the policy as String does.
func (p PolicyDocument) MarshalJSON() ([]byte, error) {
	return p.text()
}

// String returns the policy's text: a parsed policy with its top-level members in their order and
// bytes and its statements as read (only statements built here are written from their fields), a
// policy built here with Version, Id, the other members sorted and Statement. Statement is always an
// array. Nothing is HTML-escaped: "<", ">" and "&" stay as they are.
func (p *PolicyDocument) String() string {
	b, err := p.text()
	if err != nil {
		return fmt.Sprintf("<unprintable policy: %v>", err)
	}
	return string(b)
}

func (p *PolicyDocument) text() ([]byte, error) {
	var stmts bytes.Buffer
	stmts.WriteByte('[')
	for i, s := range p.Statements {
		if i > 0 {
			stmts.WriteByte(',')
		}
		b, err := s.MarshalJSON()
		if err != nil {
			return nil, err
		}
		stmts.Write(b)
	}
	stmts.WriteByte(']')

	var w objectWriter
	if p.members == nil {
		w.string("Version", p.Version)
		w.string("Id", p.ID)
		for _, k := range slices.Sorted(maps.Keys(p.Extra)) {
			w.raw(k, p.Extra[k])
		}
		w.raw("Statement", stmts.Bytes())
		return w.close()
	}
	last := -1
	for i, m := range p.members {
		if m.key == "Statement" {
			last = i
		}
	}
	for i, m := range p.members {
		if i == last {
			w.raw(m.key, stmts.Bytes())
			continue
		}
		w.raw(m.key, m.value)
	}
	if last < 0 {
		w.raw("Statement", stmts.Bytes())
	}
	return w.close()
}

// objectWriter writes a JSON object member by member, in the order given, without HTML escaping.
type objectWriter struct {
	buf bytes.Buffer
	err error
}

func (w *objectWriter) key(k string) {
	if w.buf.Len() == 0 {
		w.buf.WriteByte('{')
	} else {
		w.buf.WriteByte(',')
	}
	w.encode(k)
	w.buf.WriteByte(':')
}

// encode writes v as JSON without HTML escaping.
func (w *objectWriter) encode(v any) {
	if w.err != nil {
		return
	}
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	w.err = enc.Encode(v)
	// Encode ends the value with a newline.
	w.buf.Truncate(w.buf.Len() - 1)
}

func (w *objectWriter) string(k, v string) {
	if v != "" {
		w.key(k)
		w.encode(v)
	}
}

func (w *objectWriter) values(k string, v Values) {
	if v != nil {
		w.value(k, v)
	}
}

func (w *objectWriter) value(k string, v any) {
	w.key(k)
	w.encode(v)
}

func (w *objectWriter) raw(k string, v []byte) {
	w.key(k)
	w.buf.Write(v)
}

func (w *objectWriter) close() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.buf.Len() == 0 {
		w.buf.WriteByte('{')
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes(), nil
}

// Clone returns a deep copy of the policy.
func (p *PolicyDocument) Clone() *PolicyDocument {
	c := &PolicyDocument{Version: p.Version, ID: p.ID, Extra: cloneRaw(p.Extra)}
	if p.members != nil {
		c.members = make([]member, len(p.members))
		for i, m := range p.members {
			c.members[i] = member{key: m.key, value: slices.Clone(m.value)}
		}
	}
	if p.Statements != nil {
		c.Statements = make([]Statement, len(p.Statements))
		for i, s := range p.Statements {
			c.Statements[i] = s.clone()
		}
	}
	return c
}

func (s Statement) clone() Statement {
	c := s
	c.Principal = s.Principal.clone()
	c.NotPrincipal = s.NotPrincipal.clone()
	c.Action = cloneValues(s.Action)
	c.NotAction = cloneValues(s.NotAction)
	c.Resource = cloneValues(s.Resource)
	c.NotResource = cloneValues(s.NotResource)
	if s.Condition != nil {
		c.Condition = slices.Clone(s.Condition)
	}
	c.Extra = cloneRaw(s.Extra)
	c.raw = slices.Clone(s.raw)
	return c
}

func cloneValues(v Values) Values {
	if v == nil {
		return nil
	}
	return append(Values{}, v...)
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	c := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		c[k] = slices.Clone(v)
	}
	return c
}

var sidPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// StatementID returns the fixed Sid of the statement a grant owns: "ZenMLProPull" or "ZenMLProPush"
// followed by 16 hex digits of the SHA-256 of the principal ARN. It is alphanumeric, as ECR
// requires, stable across runs, and differs for different principals and access levels.
func StatementID(principalARN string, access registryaccess.Access) string {
	sum := sha256.Sum256([]byte(principalARN))
	level := "Pull"
	if access == registryaccess.AccessPush {
		level = "Push"
	}
	return sidPrefix + level + hex.EncodeToString(sum[:])[:sidHashLength]
}

// ValidStatementID reports whether sid is a Sid ECR accepts (letters and digits only).
func ValidStatementID(sid string) bool { return sidPattern.MatchString(sid) }

// NewStatement returns the statement a grant owns: Allow, the principal's ARN, the access's actions.
func NewStatement(principalARN string, access registryaccess.Access) Statement {
	return Statement{
		Sid:       StatementID(principalARN, access),
		Effect:    "Allow",
		Principal: &Principal{Types: map[string]Values{"AWS": {principalARN}}},
		Action:    Values(Actions(access)),
	}
}

// Find returns the statement with the Sid and whether there is one.
func Find(p *PolicyDocument, sid string) (Statement, bool) {
	for _, s := range p.Statements {
		if s.Sid == sid {
			return s.clone(), true
		}
	}
	return Statement{}, false
}

// Upsert returns a copy of the policy in which the statement with stmt's Sid is replaced by stmt, or
// stmt is appended when there is none. Other statements and the policy's other members are written
// back byte for byte (a new policy starts from NewPolicyDocument). The input is not modified. Duplicate statements with
// the same Sid (which ECR would refuse) collapse into one.
func Upsert(p *PolicyDocument, stmt Statement) *PolicyDocument {
	out := p.Clone()
	// The statement is written from its fields, even when it was read from a policy and changed.
	own := stmt.clone()
	own.raw = nil
	stmts := out.Statements[:0:0]
	placed := false
	for _, s := range out.Statements {
		if s.Sid == stmt.Sid {
			if !placed {
				stmts = append(stmts, own)
				placed = true
			}
			continue
		}
		stmts = append(stmts, s)
	}
	if !placed {
		stmts = append(stmts, own)
	}
	out.Statements = stmts
	return out
}

// Remove returns a copy of the policy without the statements with the Sid, and whether the policy
// has no statement left (the caller then deletes the policy instead of writing an empty one). The
// input is not modified.
func Remove(p *PolicyDocument, sid string) (*PolicyDocument, bool) {
	out := p.Clone()
	var kept []Statement
	for _, s := range out.Statements {
		if s.Sid != sid {
			kept = append(kept, s)
		}
	}
	if kept == nil && out.Statements != nil {
		kept = []Statement{}
	}
	out.Statements = kept
	return out, len(kept) == 0
}

// StatementState is what Read finds of a grant's statement.
type StatementState int

const (
	// StatementAbsent: no statement with the Sid (removed out of band, or never created).
	StatementAbsent StatementState = iota
	// StatementCurrent: the statement allows exactly the access's actions to the principal ARN.
	StatementCurrent
	// StatementPrincipalReplaced: the statement names an IAM unique ID (AROA..., AIDA...) where the
	// ARN was: the principal was deleted (and perhaps recreated), so the grant must be written again.
	StatementPrincipalReplaced
	// StatementChanged: the statement exists but grants something else (effect, principal, actions,
	// or it carries conditions): it is rewritten on the next apply.
	StatementChanged
)

func (s StatementState) String() string {
	switch s {
	case StatementAbsent:
		return "absent"
	case StatementCurrent:
		return "current"
	case StatementPrincipalReplaced:
		return "principal replaced by a unique ID"
	case StatementChanged:
		return "changed"
	}
	return fmt.Sprintf("StatementState(%d)", int(s))
}

// uniqueIDPattern matches IAM unique IDs as policies show them after the principal was deleted:
// AROA (role), AIDA (user), AGPA (group) and the other four-letter prefixes, then upper-case letters
// and digits.
var uniqueIDPattern = regexp.MustCompile(`^A[A-Z]{3}[A-Z0-9]{12,}$`)

// IsUniqueID reports whether a policy principal value is an IAM unique ID rather than an ARN.
func IsUniqueID(v string) bool { return uniqueIDPattern.MatchString(v) }

// CheckStatement reports the state of the grant's statement (found by its Sid) in the policy.
func CheckStatement(p *PolicyDocument, principalARN string, access registryaccess.Access) StatementState {
	s, ok := Find(p, StatementID(principalARN, access))
	if !ok {
		return StatementAbsent
	}
	if replacedPrincipal(s) != "" {
		return StatementPrincipalReplaced
	}
	if len(StatementDifferences(s, principalARN, access)) > 0 {
		return StatementChanged
	}
	return StatementCurrent
}

// replacedPrincipal returns the first IAM unique ID the statement names as an AWS principal, or "".
func replacedPrincipal(s Statement) string {
	for _, v := range awsPrincipals(s.Principal) {
		if IsUniqueID(v) {
			return v
		}
	}
	return ""
}

// StatementDifferences says, one phrase each, how a statement differs from the one a grant of the
// access for the principal writes (NewStatement); none when it gives exactly that access: the same
// effect, principal and actions (in any order or case, a string or a list), and nothing else.
func StatementDifferences(s Statement, principalARN string, access registryaccess.Access) []string {
	want := NewStatement(principalARN, access)
	var out []string
	if s.Effect != want.Effect {
		out = append(out, fmt.Sprintf("Effect is %q, the grant writes %q", s.Effect, want.Effect))
	}
	switch aws := awsPrincipals(s.Principal); {
	case s.Principal == nil:
		out = append(out, fmt.Sprintf("it has no Principal, the grant writes {\"AWS\": %q}", principalARN))
	case replacedPrincipal(s) != "":
		out = append(out, fmt.Sprintf("Principal names %s, the unique ID of a deleted IAM principal, where the grant writes %q "+
			"(the role was deleted, and one created again under the same name has no access through it)", replacedPrincipal(s), principalARN))
	case s.Principal.Wildcard || len(s.Principal.Types) != 1 || !slices.Equal(Values(aws).set(false), []string{principalARN}):
		out = append(out, fmt.Sprintf("Principal is %s, the grant writes {\"AWS\": %q}", compactJSON(s.Principal), principalARN))
	}
	if !slices.Equal(s.Action.set(true), want.Action.set(true)) {
		out = append(out, fmt.Sprintf("Action is %s, the grant writes %s", compactJSON(s.Action), compactJSON(want.Action)))
	}
	for _, f := range []struct {
		name    string
		present bool
	}{
		{"NotPrincipal", s.NotPrincipal != nil}, {"NotAction", s.NotAction != nil}, {"Resource", s.Resource != nil},
		{"NotResource", s.NotResource != nil}, {"Condition", s.Condition != nil},
	} {
		if f.present {
			out = append(out, "it has a "+f.name+", which the grant does not write")
		}
	}
	if len(s.Extra) > 0 {
		out = append(out, "it has "+strings.Join(slices.Sorted(maps.Keys(s.Extra)), ", ")+", which the grant does not write")
	}
	return out
}

// compactJSON writes v as JSON for messages, without HTML escaping.
func compactJSON(v any) string {
	var w objectWriter
	w.encode(v)
	if w.err != nil {
		return fmt.Sprintf("%v", v)
	}
	return w.buf.String()
}

func awsPrincipals(p *Principal) []string {
	if p == nil || p.Types == nil {
		return nil
	}
	return p.Types["AWS"]
}

// Preexisting reports whether statements other than those a grant of this provider writes for the
// principal (its pull and its push statement) already allow every action of the access to the
// principal ARN, naming it explicitly (not through "*"), unconditionally, and without NotAction or
// NotPrincipal. Action wildcards such as "ecr:*" or "ecr:Batch*" count. A Deny statement that names
// the principal (or "*") and one of the actions means the access is not there. registryaccess.Access this
// provider's grants wrote is never pre-existing: when the last of them goes, the access goes too.
func Preexisting(p *PolicyDocument, principalARN string, access registryaccess.Access) bool {
	own := map[string]bool{}
	for _, a := range registryaccess.Accesses {
		own[StatementID(principalARN, a)] = true
	}
	needed := Actions(access)
	granted := make([]bool, len(needed))
	for _, s := range p.Statements {
		if own[s.Sid] {
			continue
		}
		switch s.Effect {
		case "Deny":
			if s.Principal != nil && (s.Principal.Wildcard || slices.Contains(awsPrincipals(s.Principal), principalARN) ||
				slices.Contains(awsPrincipals(s.Principal), "*")) {
				for _, a := range needed {
					if matchesAny(s.Action, a) {
						return false
					}
				}
			}
		case "Allow":
			if s.NotAction != nil || s.NotPrincipal != nil || s.Condition != nil || s.Principal == nil ||
				!slices.Contains(awsPrincipals(s.Principal), principalARN) {
				continue
			}
			for i, a := range needed {
				if matchesAny(s.Action, a) {
					granted[i] = true
				}
			}
		}
	}
	return !slices.Contains(granted, false)
}

// matchesAny reports whether one of the policy's action patterns matches the action. IAM action
// names are case-insensitive and patterns may use * and ?.
func matchesAny(patterns Values, action string) bool {
	for _, p := range patterns {
		if globMatch(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			px = starP + 1
			starS++
			sx = starS
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// Equivalent reports whether two policies mean the same: the order of statements, principals,
// actions and resources, a string versus a one-element array, the case of action names and the
// formatting of conditions never make them differ.
func Equivalent(a, b *PolicyDocument) bool {
	return bytes.Equal(canonicalPolicy(a), canonicalPolicy(b))
}

func canonicalPolicy(p *PolicyDocument) []byte {
	stmts := make([]string, 0, len(p.Statements))
	for _, s := range p.Statements {
		stmts = append(stmts, string(canonicalStatement(s)))
	}
	sort.Strings(stmts)
	out, err := json.Marshal(map[string]any{
		"Version":   p.Version,
		"Id":        p.ID,
		"Extra":     canonicalRaw(p.Extra),
		"Statement": stmts,
	})
	if err != nil {
		return nil
	}
	return out
}

func canonicalStatement(s Statement) []byte {
	m := map[string]any{
		"Sid":          s.Sid,
		"Effect":       s.Effect,
		"Principal":    s.Principal.canonical(),
		"NotPrincipal": s.NotPrincipal.canonical(),
		"Action":       nilOrSet(s.Action, true),
		"NotAction":    nilOrSet(s.NotAction, true),
		"Resource":     nilOrSet(s.Resource, false),
		"NotResource":  nilOrSet(s.NotResource, false),
		"Condition":    canonicalJSON(s.Condition),
		"Extra":        canonicalRaw(s.Extra),
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func nilOrSet(v Values, fold bool) []string {
	if v == nil {
		return nil
	}
	return v.set(fold)
}

func canonicalRaw(m map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = canonicalJSON(v)
	}
	return out
}

// canonicalJSON decodes a JSON value and normalises lists of strings to sorted sets written as a
// string when they hold one element, as IAM treats condition values.
func canonicalJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(b)
	}
	return normalise(v)
}

func normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalise(e)
		}
		return t
	case []any:
		strs := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				for i, e := range t {
					t[i] = normalise(e)
				}
				return t
			}
			strs = append(strs, s)
		}
		strs = Values(strs).set(false)
		if len(strs) == 1 {
			return strs[0]
		}
		return strs
	}
	return v
}
