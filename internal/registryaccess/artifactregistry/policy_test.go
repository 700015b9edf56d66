// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"reflect"
	"testing"
)

const (
	sa      = "serviceAccount:puller@my-project.iam.gserviceaccount.com"
	saOther = "serviceAccount:other@my-project.iam.gserviceaccount.com"
	wi      = "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"
	deleted = "deleted:serviceAccount:puller@my-project.iam.gserviceaccount.com?uid=123456789012345678901"
)

var cond = &Expr{Expression: `request.time < timestamp("2030-01-01T00:00:00Z")`, Title: "until 2030"}

func TestIsDeletedFormOf(t *testing.T) {
	for _, tt := range []struct {
		m, member string
		want      bool
	}{
		{deleted, sa, true},
		{"deleted:serviceAccount:PULLER@my-project.iam.gserviceaccount.com?uid=1", sa, true},
		{deleted, saOther, false},
		{sa, sa, false},
		{"deleted:serviceAccount:puller@my-project.iam.gserviceaccount.com", sa, false},
		{"deleted:serviceAccount:puller@my-project.iam.gserviceaccount.com?uid=", sa, false},
		{"deleted:serviceAccount:puller@my-project.iam.gserviceaccount.com?uid=12a", sa, false},
		{"deleted:user:puller@my-project.iam.gserviceaccount.com?uid=1", sa, false},
	} {
		if got := IsDeletedFormOf(tt.m, tt.member); got != tt.want {
			t.Errorf("IsDeletedFormOf(%q, %q) = %v", tt.m, tt.member, got)
		}
	}
}

func TestAddRemoveMember(t *testing.T) {
	etag := []byte("BwXhq6bLdtQ=")
	tests := []struct {
		name        string
		in          []Binding
		role        string
		member      string
		wantAdd     []Binding
		wantChanged bool
		wantRemove  []Binding
	}{
		{
			name:        "empty policy",
			in:          nil,
			role:        RoleReader,
			member:      sa,
			wantAdd:     []Binding{{Role: RoleReader, Members: []string{sa}}},
			wantChanged: true,
			wantRemove:  []Binding{},
		},
		{
			name:        "existing binding: other members and roles kept",
			in:          []Binding{{Role: RoleWriter, Members: []string{sa}}, {Role: RoleReader, Members: []string{saOther}}},
			role:        RoleReader,
			member:      sa,
			wantAdd:     []Binding{{Role: RoleWriter, Members: []string{sa}}, {Role: RoleReader, Members: []string{saOther, sa}}},
			wantChanged: true,
			wantRemove:  []Binding{{Role: RoleWriter, Members: []string{sa}}, {Role: RoleReader, Members: []string{saOther}}},
		},
		{
			name:        "already there: no change",
			in:          []Binding{{Role: RoleReader, Members: []string{wi, sa}}},
			role:        RoleReader,
			member:      sa,
			wantAdd:     []Binding{{Role: RoleReader, Members: []string{wi, sa}}},
			wantChanged: false,
			wantRemove:  []Binding{{Role: RoleReader, Members: []string{wi}}},
		},
		{
			name:        "deleted form cleaned when re-adding",
			in:          []Binding{{Role: RoleReader, Members: []string{deleted, saOther}}},
			role:        RoleReader,
			member:      sa,
			wantAdd:     []Binding{{Role: RoleReader, Members: []string{saOther, sa}}},
			wantChanged: true,
			wantRemove:  []Binding{{Role: RoleReader, Members: []string{saOther}}},
		},
		{
			name:        "conditional binding left alone, an unconditional one added",
			in:          []Binding{{Role: RoleReader, Members: []string{sa, deleted}, Condition: cond}},
			role:        RoleReader,
			member:      sa,
			wantAdd:     []Binding{{Role: RoleReader, Members: []string{sa, deleted}, Condition: cond}, {Role: RoleReader, Members: []string{sa}}},
			wantChanged: true,
			wantRemove:  []Binding{{Role: RoleReader, Members: []string{sa, deleted}, Condition: cond}},
		},
		{
			name:        "workload identity member",
			in:          []Binding{{Role: RoleWriter, Members: []string{sa}}},
			role:        RoleWriter,
			member:      wi,
			wantAdd:     []Binding{{Role: RoleWriter, Members: []string{sa, wi}}},
			wantChanged: true,
			wantRemove:  []Binding{{Role: RoleWriter, Members: []string{sa}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &IAMPolicy{Version: 3, Etag: etag, Bindings: tt.in}
			before := in.Clone()
			added, changed := AddMember(in, tt.role, tt.member)
			if !reflect.DeepEqual(added.Bindings, tt.wantAdd) || changed != tt.wantChanged {
				t.Fatalf("AddMember = %+v, %v; want %+v, %v", added.Bindings, changed, tt.wantAdd, tt.wantChanged)
			}
			if string(added.Etag) != string(etag) || added.Version != 3 {
				t.Fatalf("AddMember changed etag or version: %q %d", added.Etag, added.Version)
			}
			if !HasMember(added, tt.role, tt.member) || CheckMember(added, tt.role, tt.member) != MemberCurrent {
				t.Fatal("after AddMember the member is not there")
			}
			removed, changed := RemoveMember(added, tt.role, tt.member)
			if !reflect.DeepEqual(removed.Bindings, tt.wantRemove) || !changed {
				t.Fatalf("RemoveMember = %+v, %v; want %+v, true", removed.Bindings, changed, tt.wantRemove)
			}
			if HasMember(removed, tt.role, tt.member) {
				t.Fatal("after RemoveMember the member is still there")
			}
			if !reflect.DeepEqual(in, before) {
				t.Fatalf("the input was modified: %+v", in)
			}
		})
	}
}

func TestRemoveMemberAbsent(t *testing.T) {
	in := &IAMPolicy{Version: 3, Bindings: []Binding{{Role: RoleReader, Members: []string{saOther}}, {Role: RoleReader, Members: []string{sa}, Condition: cond}}}
	out, changed := RemoveMember(in, RoleReader, sa)
	if changed || !reflect.DeepEqual(out, in) {
		t.Fatalf("RemoveMember of an absent member = %+v, %v", out, changed)
	}
}

func TestHasMemberAndCheck(t *testing.T) {
	tests := []struct {
		name     string
		bindings []Binding
		want     MemberState
		deleted  []string
	}{
		{"absent", []Binding{{Role: RoleReader, Members: []string{saOther}}}, MemberAbsent, nil},
		{"current, e-mail case differs", []Binding{{Role: RoleReader, Members: []string{"serviceAccount:Puller@my-project.iam.gserviceaccount.com"}}}, MemberCurrent, nil},
		{"other role only", []Binding{{Role: RoleWriter, Members: []string{sa}}}, MemberAbsent, nil},
		{"conditional only", []Binding{{Role: RoleReader, Members: []string{sa}, Condition: cond}}, MemberAbsent, nil},
		{"deleted form only", []Binding{{Role: RoleReader, Members: []string{deleted}}}, MemberPrincipalReplaced, []string{deleted}},
		{"deleted form in a conditional binding", []Binding{{Role: RoleReader, Members: []string{deleted}, Condition: cond}}, MemberAbsent, nil},
		{"deleted form and re-granted", []Binding{{Role: RoleReader, Members: []string{deleted, sa}}}, MemberCurrent, []string{deleted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &IAMPolicy{Bindings: tt.bindings}
			if got := CheckMember(p, RoleReader, sa); got != tt.want {
				t.Fatalf("CheckMember = %v, want %v", got, tt.want)
			}
			if got := HasMember(p, RoleReader, sa); got != (tt.want == MemberCurrent) {
				t.Fatalf("HasMember = %v", got)
			}
			if got := DeletedMembers(p, RoleReader, sa); !reflect.DeepEqual(got, tt.deleted) {
				t.Fatalf("DeletedMembers = %v, want %v", got, tt.deleted)
			}
		})
	}
}

func TestPreexistingMember(t *testing.T) {
	tests := []struct {
		name     string
		bindings []Binding
		access   Access
		want     bool
	}{
		{"none", nil, AccessPull, false},
		{"reader for pull", []Binding{{Role: RoleReader, Members: []string{sa}}}, AccessPull, true},
		// A push grant of this provider writes the writer binding: access it gave is never pre-existing.
		{"writer does not count for pull", []Binding{{Role: RoleWriter, Members: []string{sa}}}, AccessPull, false},
		{"repoAdmin covers pull", []Binding{{Role: RoleRepoAdmin, Members: []string{sa}}}, AccessPull, true},
		{"reader is not push", []Binding{{Role: RoleReader, Members: []string{sa}}}, AccessPush, false},
		{"repoAdmin covers push", []Binding{{Role: RoleRepoAdmin, Members: []string{sa}}}, AccessPush, true},
		{"admin covers push", []Binding{{Role: RoleAdmin, Members: []string{sa}}}, AccessPush, true},
		{"conditional does not count", []Binding{{Role: RoleWriter, Members: []string{sa}, Condition: cond}}, AccessPull, false},
		{"deleted form does not count", []Binding{{Role: RoleReader, Members: []string{deleted}}}, AccessPull, false},
		{"another member", []Binding{{Role: RoleReader, Members: []string{saOther}}}, AccessPull, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PreexistingMember(&IAMPolicy{Bindings: tt.bindings}, tt.access, sa); got != tt.want {
				t.Fatalf("PreexistingMember = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAddRemoveMemberProperty checks that adding a member that is absent and removing it again
// gives back the input bindings.
func TestAddRemoveMemberProperty(t *testing.T) {
	members := []string{saOther, wi, "user:a@example.com", "group:g@example.com"}
	roles := []string{RoleReader, RoleWriter, "roles/viewer"}
	seed := uint64(7)
	next := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	for i := 0; i < 500; i++ {
		p := &IAMPolicy{Version: 3, Etag: []byte{byte(i)}}
		for j := next(4); j > 0; j-- {
			b := Binding{Role: roles[next(len(roles))]}
			for k := next(3) + 1; k > 0; k-- {
				b.Members = append(b.Members, members[next(len(members))])
			}
			if next(3) == 0 {
				b.Condition = cond
			}
			p.Bindings = append(p.Bindings, b)
		}
		role := roles[next(2)]
		added, changed := AddMember(p, role, sa)
		if !changed {
			t.Fatalf("AddMember reported no change for %+v", p)
		}
		back, changed := RemoveMember(added, role, sa)
		if !changed {
			t.Fatalf("RemoveMember reported no change for %+v", added)
		}
		want := p.Clone()
		if want.Bindings == nil {
			want.Bindings = []Binding{}
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("AddMember then RemoveMember changed\n%+v\ninto\n%+v", p, back)
		}
	}
}

func TestIAMVersionAndDuplicateBindings(t *testing.T) {
	in := &IAMPolicy{Version: 1, Bindings: []Binding{
		{Role: RoleReader, Members: []string{sa}},
		{Role: RoleReader, Members: []string{saOther, sa}},
	}}
	out, changed := RemoveMember(in, RoleReader, sa)
	want := []Binding{{Role: RoleReader, Members: []string{saOther}}}
	if !changed || !reflect.DeepEqual(out.Bindings, want) || out.Version != 1 {
		t.Fatalf("RemoveMember from duplicate bindings = %+v (version %d), %v", out.Bindings, out.Version, changed)
	}
	withCond := &IAMPolicy{Version: 1, Bindings: []Binding{{Role: RoleWriter, Members: []string{saOther}, Condition: cond}}}
	if out, _ := AddMember(withCond, RoleReader, sa); out.Version != 3 {
		t.Fatalf("AddMember kept version %d with a conditional binding", out.Version)
	}
	if out, _ := RemoveMember(withCond, RoleReader, sa); out.Version != 3 {
		t.Fatalf("RemoveMember kept version %d with a conditional binding", out.Version)
	}
	if out, _ := AddMember(&IAMPolicy{}, RoleReader, sa); out.Version != 0 {
		t.Fatalf("AddMember changed the version of an unconditional policy to %d", out.Version)
	}
	if withCond.Version != 1 {
		t.Fatal("the input was modified")
	}
	for s, want := range map[MemberState]string{MemberAbsent: "absent", MemberCurrent: "current", MemberPrincipalReplaced: "principal deleted", MemberState(7): "MemberState(7)"} {
		if s.String() != want {
			t.Errorf("String() = %q, want %q", s.String(), want)
		}
	}
}
