package registryaccess

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

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
// Extra, verbatim, and written back.
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
}

// PolicyDocument is an ECR repository policy. Statement may be written as an object or an array;
// it is read either way and always written as an array. Unknown top-level fields are kept in Extra.
type PolicyDocument struct {
	Version    string
	ID         string
	Statements []Statement
	Extra      map[string]json.RawMessage
}

// NewPolicyDocument returns an empty policy with the current policy language version.
func NewPolicyDocument() *PolicyDocument {
	return &PolicyDocument{Version: DefaultPolicyVersion}
}

// ParsePolicyDocument reads a repository policy as ECR returns it.
func ParsePolicyDocument(text string) (*PolicyDocument, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil || raw == nil {
		return nil, errors.New("repository policy is not a JSON object")
	}
	p := &PolicyDocument{}
	for k, v := range raw {
		var err error
		switch k {
		case "Version":
			err = unmarshalString(v, &p.Version)
		case "Id":
			err = unmarshalString(v, &p.ID)
		case "Statement":
			p.Statements, err = parseStatements(v)
		default:
			p.Extra = putExtra(p.Extra, k, v)
		}
		if err != nil {
			return nil, fmt.Errorf("repository policy field %s: %w", k, err)
		}
	}
	return p, nil
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
	var list []json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
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
	var s Statement
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

// MarshalJSON writes the statement with its keys in a fixed (sorted) order.
func (s Statement) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(s.Extra)+8)
	for k, v := range s.Extra {
		m[k] = v
	}
	setString(m, "Sid", s.Sid)
	setString(m, "Effect", s.Effect)
	if s.Principal != nil {
		m["Principal"] = s.Principal
	}
	if s.NotPrincipal != nil {
		m["NotPrincipal"] = s.NotPrincipal
	}
	setValues(m, "Action", s.Action)
	setValues(m, "NotAction", s.NotAction)
	setValues(m, "Resource", s.Resource)
	setValues(m, "NotResource", s.NotResource)
	if s.Condition != nil {
		m["Condition"] = s.Condition
	}
	return json.Marshal(m)
}

// MarshalJSON writes the policy with its keys in a fixed (sorted) order and Statement as an array.
func (p PolicyDocument) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Extra)+3)
	for k, v := range p.Extra {
		m[k] = v
	}
	setString(m, "Version", p.Version)
	setString(m, "Id", p.ID)
	stmts := p.Statements
	if stmts == nil {
		stmts = []Statement{}
	}
	m["Statement"] = stmts
	return json.Marshal(m)
}

// String returns the canonical JSON text of the policy.
func (p *PolicyDocument) String() string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprintf("<unprintable policy: %v>", err)
	}
	return string(b)
}

func setString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func setValues(m map[string]any, k string, v Values) {
	if v != nil {
		m[k] = v
	}
}

// Clone returns a deep copy of the policy.
func (p *PolicyDocument) Clone() *PolicyDocument {
	c := &PolicyDocument{Version: p.Version, ID: p.ID, Extra: cloneRaw(p.Extra)}
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
func StatementID(principalARN string, access Access) string {
	sum := sha256.Sum256([]byte(principalARN))
	level := "Pull"
	if access == AccessPush {
		level = "Push"
	}
	return sidPrefixECR + level + hex.EncodeToString(sum[:])[:sidHashLength]
}

// ValidStatementID reports whether sid is a Sid ECR accepts (letters and digits only).
func ValidStatementID(sid string) bool { return sidPattern.MatchString(sid) }

// NewStatement returns the statement a grant owns: Allow, the principal's ARN, the access's actions.
func NewStatement(principalARN string, access Access) Statement {
	return Statement{
		Sid:       StatementID(principalARN, access),
		Effect:    "Allow",
		Principal: &Principal{Types: map[string]Values{"AWS": {principalARN}}},
		Action:    Values(access.ECRActions()),
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
// stmt is appended when there is none. Other statements and the policy's Version are untouched (a
// new policy starts from NewPolicyDocument). The input is not modified. Duplicate statements with
// the same Sid (which ECR would refuse) collapse into one.
func Upsert(p *PolicyDocument, stmt Statement) *PolicyDocument {
	out := p.Clone()
	stmts := out.Statements[:0:0]
	placed := false
	for _, s := range out.Statements {
		if s.Sid == stmt.Sid {
			if !placed {
				stmts = append(stmts, stmt.clone())
				placed = true
			}
			continue
		}
		stmts = append(stmts, s)
	}
	if !placed {
		stmts = append(stmts, stmt.clone())
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
func CheckStatement(p *PolicyDocument, principalARN string, access Access) StatementState {
	s, ok := Find(p, StatementID(principalARN, access))
	if !ok {
		return StatementAbsent
	}
	aws := awsPrincipals(s.Principal)
	replaced := false
	for _, v := range aws {
		if IsUniqueID(v) {
			replaced = true
		}
	}
	if replaced {
		return StatementPrincipalReplaced
	}
	if s.Effect != "Allow" || s.NotPrincipal != nil || s.NotAction != nil || s.Condition != nil ||
		s.Resource != nil || s.NotResource != nil || s.Principal == nil || s.Principal.Wildcard ||
		len(s.Principal.Types) != 1 || !slices.Equal(Values(aws).set(false), []string{principalARN}) ||
		!slices.Equal(s.Action.set(true), Values(access.ECRActions()).set(true)) {
		return StatementChanged
	}
	return StatementCurrent
}

func awsPrincipals(p *Principal) []string {
	if p == nil || p.Types == nil {
		return nil
	}
	return p.Types["AWS"]
}

// Preexisting reports whether statements other than the grant's own already allow every action of
// the access to the principal ARN, naming it explicitly (not through "*"), unconditionally, and
// without NotAction or NotPrincipal. Action wildcards such as "ecr:*" or "ecr:Batch*" count. A Deny
// statement that names the principal (or "*") and one of the actions means the access is not there.
func Preexisting(p *PolicyDocument, principalARN string, access Access) bool {
	own := StatementID(principalARN, access)
	needed := access.ECRActions()
	granted := make([]bool, len(needed))
	for _, s := range p.Statements {
		if s.Sid == own {
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
