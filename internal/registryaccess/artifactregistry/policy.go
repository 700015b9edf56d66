// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package artifactregistry grants access to Google Artifact Registry repositories: one member of an
// unconditional role binding of a repository's IAM policy per grant (policy.go), the IAM calls behind
// a small interface (service.go), the classification of gRPC errors (classify.go), the names and IDs
// of repositories and grants (names.go), and the lazily built client of the provider's gcp settings
// (clients.go, checks.go).
package artifactregistry

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
)

// Artifact Registry roles: what grants write (reader for pull, writer for push), and the roles
// above them.
const (
	RoleReader    = "roles/artifactregistry.reader"
	RoleWriter    = "roles/artifactregistry.writer"
	RoleRepoAdmin = "roles/artifactregistry.repoAdmin"
	RoleAdmin     = "roles/artifactregistry.admin"
)

// Role returns the role a grant of an access level binds the member to.
func Role(a registryaccess.Access) string {
	switch a {
	case registryaccess.AccessPull:
		return RoleReader
	case registryaccess.AccessPush:
		return RoleWriter
	}
	return ""
}

// IAMPolicy is the google.iam.v1.Policy of an Artifact Registry repository as plain values. Etag is
// the opaque value read with the policy; it is written back unchanged so that a concurrent change
// makes the write fail (ABORTED or FAILED_PRECONDITION) instead of being lost.
type IAMPolicy struct {
	Version  int32
	Etag     []byte
	Bindings []Binding
}

// Binding binds members to a role, optionally under a condition.
type Binding struct {
	Role      string
	Members   []string
	Condition *Expr
}

// Expr is a google.type.Expr condition, kept as read.
type Expr struct {
	Expression  string
	Title       string
	Description string
	Location    string
}

// Clone returns a deep copy of the policy.
func (p *IAMPolicy) Clone() *IAMPolicy {
	c := &IAMPolicy{Version: p.Version, Etag: slices.Clone(p.Etag)}
	if p.Bindings != nil {
		c.Bindings = make([]Binding, len(p.Bindings))
		for i, b := range p.Bindings {
			c.Bindings[i] = Binding{Role: b.Role, Members: slices.Clone(b.Members)}
			if b.Condition != nil {
				e := *b.Condition
				c.Bindings[i].Condition = &e
			}
		}
	}
	return c
}

// sameMember compares IAM members; the e-mail part of a member is case-insensitive.
func sameMember(a, b string) bool { return strings.EqualFold(a, b) }

// IsDeletedFormOf reports whether m is the form IAM shows for member after its principal was
// deleted: "deleted:" + member + "?uid=" + the numeric unique ID of the deleted principal.
func IsDeletedFormOf(m, member string) bool {
	rest, ok := strings.CutPrefix(m, "deleted:")
	if !ok {
		return false
	}
	base, uid, ok := strings.Cut(rest, "?uid=")
	if !ok || uid == "" || strings.Trim(uid, "0123456789") != "" {
		return false
	}
	return sameMember(base, member)
}

// HasMember reports whether the member is in an unconditional binding for the role. A member that
// appears only in a conditional binding does not count.
func HasMember(p *IAMPolicy, role, member string) bool {
	for _, b := range p.Bindings {
		if b.Condition == nil && b.Role == role && slices.ContainsFunc(b.Members, func(m string) bool { return sameMember(m, member) }) {
			return true
		}
	}
	return false
}

// DeletedMembers returns the deleted forms of the member ("deleted:serviceAccount:...?uid=...")
// in unconditional bindings for the role. When the member itself is absent and these are present,
// the principal was deleted and recreated: the grant has to be made again.
func DeletedMembers(p *IAMPolicy, role, member string) []string {
	var out []string
	for _, b := range p.Bindings {
		if b.Condition != nil || b.Role != role {
			continue
		}
		for _, m := range b.Members {
			if IsDeletedFormOf(m, member) {
				out = append(out, m)
			}
		}
	}
	return out
}

// conditionalVersion is the policy version that conditional bindings require.
const conditionalVersion = 3

// fixVersion raises the version to 3 when the policy has conditional bindings, as SetIamPolicy
// requires. The adapter reads policies with requested version 3 so conditions are never dropped.
func fixVersion(p *IAMPolicy) {
	if p.Version >= conditionalVersion {
		return
	}
	for _, b := range p.Bindings {
		if b.Condition != nil {
			p.Version = conditionalVersion
			return
		}
	}
}

// AddMember returns a copy of the policy with the member in the unconditional binding for the role
// (created at the end when there is none), and whether the bindings changed. Deleted forms of the
// same member in that binding are removed. Other members, roles and conditional bindings are
// untouched; the input is not modified. The version is raised to 3 when there are conditional
// bindings.
func AddMember(p *IAMPolicy, role, member string) (*IAMPolicy, bool) {
	out := p.Clone()
	fixVersion(out)
	for i := range out.Bindings {
		b := &out.Bindings[i]
		if b.Condition != nil || b.Role != role {
			continue
		}
		changed := false
		kept := b.Members[:0]
		for _, m := range b.Members {
			if IsDeletedFormOf(m, member) {
				changed = true
				continue
			}
			kept = append(kept, m)
		}
		b.Members = kept
		if !slices.ContainsFunc(b.Members, func(m string) bool { return sameMember(m, member) }) {
			b.Members = append(b.Members, member)
			changed = true
		}
		return out, changed
	}
	out.Bindings = append(out.Bindings, Binding{Role: role, Members: []string{member}})
	return out, true
}

// RemoveMember returns a copy of the policy without the member in unconditional bindings for the
// role, dropping a binding that becomes empty, and whether the bindings changed. Other members, roles
// and conditional bindings are untouched; the input is not modified. The version is raised to 3
// when there are conditional bindings.
func RemoveMember(p *IAMPolicy, role, member string) (*IAMPolicy, bool) {
	out := p.Clone()
	fixVersion(out)
	changed := false
	var bindings []Binding
	for _, b := range out.Bindings {
		if b.Condition == nil && b.Role == role {
			n := len(b.Members)
			b.Members = slices.DeleteFunc(b.Members, func(m string) bool { return sameMember(m, member) })
			if len(b.Members) != n {
				changed = true
				if len(b.Members) == 0 {
					continue
				}
			}
		}
		bindings = append(bindings, b)
	}
	if bindings == nil && out.Bindings != nil {
		bindings = []Binding{}
	}
	out.Bindings = bindings
	return out, changed
}

// preexistingRoles lists the repository roles through which a member's access counts as
// pre-existing for a grant of the access level: the grant's own role (a binding does not tell who
// added a member, so a member found there is taken to have been there before), and the roles that
// include the access and that no grant of this provider ever writes (repoAdmin, admin). The writer
// role is not among them for pull: a push grant of this provider writes it, and access a grant of
// this provider wrote is never pre-existing.
func preexistingRoles(a registryaccess.Access) []string {
	switch a {
	case registryaccess.AccessPull:
		return []string{RoleReader, RoleRepoAdmin, RoleAdmin}
	case registryaccess.AccessPush:
		return []string{RoleWriter, RoleRepoAdmin, RoleAdmin}
	}
	return nil
}

// PreexistingMember reports whether the member already has the access through an unconditional
// binding of this repository's policy that a grant of another access level of this provider does
// not write: for pull reader, repoAdmin or admin, for push writer, repoAdmin or admin. A member
// bound to writer by hand still pulls after a pull grant is destroyed, since the pull grant never
// removes it. Access granted on the project or organisation is not visible here.
func PreexistingMember(p *IAMPolicy, access registryaccess.Access, member string) bool {
	for _, r := range preexistingRoles(access) {
		if HasMember(p, r, member) {
			return true
		}
	}
	return false
}

// MemberState is what Read finds of a grant's member.
type MemberState int

const (
	// MemberAbsent: the member is not in the role's unconditional binding.
	MemberAbsent MemberState = iota
	// MemberCurrent: the member is in the role's unconditional binding.
	MemberCurrent
	// MemberPrincipalReplaced: only the deleted form of the member is there; the service account
	// was deleted (and perhaps recreated), so the grant must be made again.
	MemberPrincipalReplaced
)

func (s MemberState) String() string {
	switch s {
	case MemberAbsent:
		return "absent"
	case MemberCurrent:
		return "current"
	case MemberPrincipalReplaced:
		return "principal deleted"
	}
	return fmt.Sprintf("MemberState(%d)", int(s))
}

// CheckMember reports the state of the grant's member for the role.
func CheckMember(p *IAMPolicy, role, member string) MemberState {
	switch {
	case HasMember(p, role, member):
		return MemberCurrent
	case len(DeletedMembers(p, role, member)) > 0:
		return MemberPrincipalReplaced
	}
	return MemberAbsent
}
